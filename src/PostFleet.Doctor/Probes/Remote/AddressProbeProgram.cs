using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PostFleet.Core.Configuration;

namespace PostFleet.Doctor.Probes.Remote;

/// <summary>
/// What runs inside doctor's probe container or pod (<c>postfleet probe</c>), where the post-services will run: it
/// dials each node address the services will dial (a TCP connect, name resolution included), binds each operator
/// address they will bind, and answers <c>GET /status</c> there with its token until every address has been read
/// once or its own deadline passes. Everything it sees goes to stdout as <see cref="ProbeLine"/>s. It needs nothing
/// from its image but postfleet itself (no shell, no tools).
/// </summary>
public static class AddressProbeProgram
{
    public static readonly TimeSpan DialTimeout = TimeSpan.FromSeconds(5);

    /// <returns>0 when every node address was reached and every operator address bound; 1 otherwise.</returns>
    public static async Task<int> RunAsync(IReadOnlyList<string> nodes, IReadOnlyList<string> binds, string token, TimeSpan timeout, TextWriter output, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var ok = true;
        foreach (var line in await Task.WhenAll(nodes.Select(n => DialAsync(n, time, linked.Token))))
        {
            ok &= line.Ok;
            await WriteAsync(output, line);
        }

        var listeners = new List<(string Bind, TcpListener Listener)>();
        try
        {
            foreach (var bind in binds)
            {
                var (line, listener) = Listen(bind);
                ok &= line.Ok;
                await WriteAsync(output, line);
                if (listener is not null)
                {
                    listeners.Add((bind, listener));
                }
            }

            await WriteAsync(output, new ProbeLine(ProbeLine.Ready));
            var read = await Task.WhenAll(listeners.Select(l => AnswerOnceAsync(l.Listener, token, linked.Token)));
            var answered = listeners.Where((_, i) => read[i]).Select(l => l.Bind).ToList();
            await WriteAsync(output, new ProbeLine(ProbeLine.Done, Detail: $"read {answered.Count} of {listeners.Count}: {string.Join(", ", answered)}"));
        }
        finally
        {
            foreach (var (_, listener) in listeners)
            {
                listener.Dispose();
            }
        }

        return ok ? 0 : 1;
    }

    private static async Task WriteAsync(TextWriter output, ProbeLine line)
    {
        await output.WriteLineAsync(line.Format());
        await output.FlushAsync();
    }

    private static async Task<ProbeLine> DialAsync(string node, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Endpoints.TryParseListener(node, out var uri, out var problem))
        {
            return new ProbeLine(ProbeLine.Node, node, false, problem);
        }

        var address = $"{uri.Host}:{uri.Port.ToString(CultureInfo.InvariantCulture)}";
        using var timer = new CancellationTokenSource(DialTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        using var socket = new TcpClient();
        try
        {
            await socket.ConnectAsync(uri.IdnHost.Trim('[', ']'), uri.Port, linked.Token);
            return new ProbeLine(ProbeLine.Node, address, true, $"connected to {socket.Client.RemoteEndPoint} from {Dns.GetHostName()}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ProbeLine(ProbeLine.Node, address, false, $"no connection within {DialTimeout.TotalSeconds:0} s");
        }
        catch (SocketException ex)
        {
            return new ProbeLine(ProbeLine.Node, address, false, $"{ex.Message} ({ex.SocketErrorCode})");
        }
    }

    private static (ProbeLine Line, TcpListener? Listener) Listen(string bind)
    {
        if (!Endpoints.TryParseOperator(bind, out var endpoint, out var problem))
        {
            return (new ProbeLine(ProbeLine.Serve, bind, false, problem), null);
        }

        var listener = new TcpListener(endpoint);
        try
        {
            listener.Start();
            return (new ProbeLine(ProbeLine.Serve, bind, true), listener);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            return (new ProbeLine(ProbeLine.Serve, bind, false, $"{ex.Message} ({ex.SocketErrorCode})"), null);
        }
    }

    /// <summary>Answers requests until one asks for /status (that one gets the token); false when the deadline came first.</summary>
    private static async Task<bool> AnswerOnceAsync(TcpListener listener, string token, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes($"{{\"postfleet-probe\":\"{token}\"}}");
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync(cancellationToken);
                await using var stream = client.GetStream();
                var request = await ReadHeadAsync(stream, cancellationToken);
                var path = request.Split(' ') is [_, var target, ..] ? target : "";
                var found = path.Split('?')[0] == "/status";
                var head = found
                    ? $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"
                    : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
                if (found)
                {
                    await stream.WriteAsync(body, cancellationToken);
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var buffer = new byte[1024];
        while (head.Length < 16 * 1024 && !head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                break;
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return head.ToString();
    }
}
