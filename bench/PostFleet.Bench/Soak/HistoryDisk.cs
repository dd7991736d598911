using System.Diagnostics;

namespace PostFleet.Bench.Soak;

/// <summary>
/// A small file system for the daemon's history that the soak can fill up: a tmpfs mounted in a mount namespace of
/// its own, kept alive by a holder process (`unshare` + `sleep`), which every daemon of the soak enters with
/// `nsenter`, so the history survives daemon restarts while nobody else sees the mount. The same trick as
/// HistoryFullDiskTests; root only (the soak runs as root here).
/// </summary>
public sealed class HistoryDisk : IDisposable
{
    private readonly Process _holder;

    private HistoryDisk(Process holder, string folder)
    {
        _holder = holder;
        Folder = folder;
    }

    /// <summary>The folder as the daemon sees it (the mount point).</summary>
    public string Folder { get; }

    /// <summary>The same folder seen from outside the namespace.</summary>
    private string Outside => $"/proc/{_holder.Id}/root{Folder}";

    public static async Task<HistoryDisk> MountAsync(string folder, int sizeMiB, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var info = new ProcessStartInfo("unshare") { UseShellExecute = false };
        foreach (var a in new[] { "--mount", "--propagation", "private", "sh", "-c", $"mount -t tmpfs -o size={sizeMiB}m postfleet-soak-history \"$0\" && exec sleep infinity", folder })
        {
            info.ArgumentList.Add(a);
        }

        var holder = Process.Start(info) ?? throw new InvalidOperationException("could not start unshare");
        var clock = Stopwatch.StartNew();
        while (!IsSleeping(holder.Id))
        {
            if (holder.HasExited || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException($"could not mount a tmpfs for the history in a mount namespace of its own (unshare exited {(holder.HasExited ? holder.ExitCode : -1)}; the soak needs root)");
            }

            await Task.Delay(50, cancellationToken);
        }

        return new HistoryDisk(holder, Path.GetFullPath(folder));
    }

    /// <summary>A command that runs <paramref name="program"/> inside the namespace.</summary>
    public IReadOnlyList<string> Enter(string program, IEnumerable<string> arguments) =>
        ["nsenter", "-t", _holder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "--", program, .. arguments];

    /// <summary>Fills the file system until ENOSPC.</summary>
    public async Task FillAsync(CancellationToken cancellationToken)
    {
        await using var fill = new FileStream(Path.Combine(Outside, "filler"), FileMode.Create);
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                await fill.WriteAsync(chunk, cancellationToken);
                await fill.FlushAsync(cancellationToken);
            }
        }
        catch (IOException)
        {
            // ENOSPC: full.
        }
    }

    public void Free() => File.Delete(Path.Combine(Outside, "filler"));

    private static bool IsSleeping(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() == "sleep";
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!_holder.HasExited)
        {
            _holder.Kill();
            _holder.WaitForExit(5000);
        }

        _holder.Dispose();
    }
}
