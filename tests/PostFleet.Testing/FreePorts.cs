using System.Net;
using System.Net.Sockets;

namespace PostFleet.Testing;

/// <summary>
/// Loopback ports for servers a test starts in another process (a simulated node, a post-service), which must be
/// told their port before they bind it; a server in this process binds port 0 and reports its address instead.
/// A port handed out is bound here first (so no program holds it) and claimed for the whole machine: a lock file
/// per port, held until this process exits, so test assemblies running in parallel never get the same one.
/// Ports come from below the kernel's ephemeral range (ip_local_port_range) where there is room: the kernel gives
/// ports of that range to every outgoing connection and every bind to port 0, so one handed out from it could be
/// taken by any program between this check and the test's program binding it (seen: a daemon's k2pow router
/// found its port in use).
/// </summary>
public static class FreePorts
{
    private const int LowestPort = 10000;
    private static readonly string ClaimDirectory = Path.Combine(Path.GetTempPath(), "postfleet-test-ports");
    private static readonly List<FileStream> Claims = [];
    private static readonly Lock Gate = new();
    private static readonly Lazy<int?> EphemeralStart = new(ReadEphemeralStart);

    public static int Next()
    {
        lock (Gate)
        {
            Directory.CreateDirectory(ClaimDirectory);
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Candidate(1);
                var claimed = Claims.Count;
                if (Claim(port))
                {
                    if (IsFree(port))
                    {
                        return port;
                    }

                    Release(claimed);
                }
            }

            throw new InvalidOperationException($"no loopback port could be claimed in {ClaimDirectory} after 1000 tries");
        }
    }

    /// <summary>
    /// <paramref name="count"/> consecutive free ports, all claimed, for a program that takes a first port and
    /// uses the ones after it (PostFleet's managed k2pow workers).
    /// </summary>
    public static int NextRun(int count)
    {
        lock (Gate)
        {
            Directory.CreateDirectory(ClaimDirectory);
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var first = Candidate(count);
                if (first + count > 65535)
                {
                    continue;
                }

                var claimed = Claims.Count;
                if (Enumerable.Range(first, count).All(Claim) && Enumerable.Range(first, count).All(IsFree))
                {
                    return first;
                }

                // Another process claimed or holds one of them: give back what this attempt took.
                Release(claimed);
            }

            throw new InvalidOperationException($"no run of {count} loopback ports could be claimed in {ClaimDirectory} after 1000 tries");
        }
    }

    /// <summary>A first port for a run of <paramref name="count"/>: below the ephemeral range where it has room, else one the kernel picks.</summary>
    private static int Candidate(int count) =>
        EphemeralStart.Value is { } start && start - count > LowestPort + 1000
            ? Random.Shared.Next(LowestPort, start - count + 1)
            : BindAny();

    private static int? ReadEphemeralStart()
    {
        try
        {
            var fields = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.TryParse(fields[0], out var start) ? start : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Gives back the claims taken after the first <paramref name="keep"/>.</summary>
    private static void Release(int keep)
    {
        foreach (var claim in Claims.Skip(keep).ToList())
        {
            claim.Dispose();
            Claims.Remove(claim);
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int BindAny()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// Takes the port's lock file (FileShare.None is an exclusive flock on Linux: another process, or this one,
    /// cannot take it while it is held; the kernel drops it when this process ends, however it ends).
    /// </summary>
    private static bool Claim(int port)
    {
        try
        {
            Claims.Add(new FileStream(Path.Combine(ClaimDirectory, $"{port}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
