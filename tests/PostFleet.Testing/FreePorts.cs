using System.Net;
using System.Net.Sockets;

namespace PostFleet.Testing;

/// <summary>Loopback ports that were free a moment ago; tests running in parallel never get the same one twice.</summary>
public static class FreePorts
{
    private static readonly HashSet<int> Handed = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        lock (Gate)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
