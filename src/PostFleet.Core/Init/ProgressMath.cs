using System.Globalization;

namespace PostFleet.Core.Init;

/// <summary>Rate, ETA and their human form, for the progress bars and the plain progress lines.</summary>
public static class ProgressMath
{
    public static TimeSpan? Eta(ulong remainingBytes, double bytesPerSecond)
    {
        if (remainingBytes == 0)
        {
            return TimeSpan.Zero;
        }

        if (bytesPerSecond <= 0 || double.IsNaN(bytesPerSecond))
        {
            return null;
        }

        var seconds = Math.Ceiling(remainingBytes / bytesPerSecond);
        return seconds > TimeSpan.MaxValue.TotalSeconds / 2 ? null : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>"512 B", "1.2 MiB", "3.0 GiB": binary units, as disk sizes are counted in postcli.</summary>
    public static string Bytes(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        var unit = 0;
        while (bytes >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes:0} {units[unit]}")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes:0.0} {units[unit]}");
    }

    /// <summary>"0:42", "12:05", "3:07:09", "2d 04:00:00"; "?" while unknown.</summary>
    public static string Duration(TimeSpan? duration)
    {
        if (duration is not { } d)
        {
            return "?";
        }

        if (d.TotalDays >= 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalDays}d {d.Hours:00}:{d.Minutes:00}:{d.Seconds:00}");
        }

        return d.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours}:{d.Minutes:00}:{d.Seconds:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{d.Minutes}:{d.Seconds:00}");
    }

    /// <summary>One plain progress line, e.g. <c>diskA_post1 37% 1.2 MiB/s ETA 0:42</c>.</summary>
    public static string Line(IdentityProgress identity) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{identity.Name} {Math.Floor(identity.Fraction * 100):0}% {Bytes(identity.BytesPerSecond)}/s ETA {Duration(identity.Eta)}");

    /// <summary>The overall line, e.g. <c>total 3/10 done 41% 2.4 MiB/s ETA 1:02:00</c>.</summary>
    public static string Line(InitProgress progress) =>
        string.Create(CultureInfo.InvariantCulture,
            $"total {progress.Count(IdentityInitState.Done)}/{progress.Identities.Length} done {Math.Floor(progress.Fraction * 100):0}% {Bytes(progress.BytesPerSecond)}/s ETA {Duration(progress.Eta)}");
}
