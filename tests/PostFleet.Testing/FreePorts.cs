using System.Net;
using System.Net.Sockets;

namespace PostFleet.Testing;

/// <summary>
/// Loopback ports for servers a test starts in another process (a simulated node, a post-service), which must be
/// told their port before they bind it; a server in this process binds port 0 and reports its address instead.
/// A port handed out is bound here first (so no program holds it) and claimed for the whole machine: a lock file
/// per port, held until this process exits, so test assemblies running in parallel never get the same one.
/// </summary>
public static class FreePorts
{
    private static readonly string ClaimDirectory = Path.Combine(Path.GetTempPath(), "postfleet-test-ports");
    private static readonly List<FileStream> Claims = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        lock (Gate)
        {
            Directory.CreateDirectory(ClaimDirectory);
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = BindAny();
                if (Claim(port))
                {
                    return port;
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
                var first = BindAny();
                if (first + count > 65535 || !Enumerable.Range(first, count).All(IsFree))
                {
                    continue;
                }

                var claimed = Claims.Count;
                if (Enumerable.Range(first, count).All(Claim))
                {
                    return first;
                }

                // Another process holds one of them: give back what this attempt took.
                foreach (var claim in Claims.Skip(claimed).ToList())
                {
                    claim.Dispose();
                    Claims.Remove(claim);
                }
            }

            throw new InvalidOperationException($"no run of {count} loopback ports could be claimed in {ClaimDirectory} after 1000 tries");
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
