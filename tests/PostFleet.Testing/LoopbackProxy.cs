using System.Net;
using System.Net.Sockets;

namespace PostFleet.Testing;

/// <summary>
/// A TCP forwarder on 127.0.0.1: every connection to <see cref="Port"/> is piped to the target port. Lets a test
/// make an address appear late (start the proxy when the test wants it) or watch the client's bytes on the wire
/// (<paramref name="clientBytes"/> sees each connection's client-to-server stream, in order).
/// </summary>
public sealed class LoopbackProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly Func<int, IClientStreamObserver>? _clientBytes;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;
    private int _connections;

    public LoopbackProxy(int port, int target, Func<int, IClientStreamObserver>? clientBytes = null)
    {
        _target = target;
        _clientBytes = clientBytes;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await Task.WhenAll([_accepting, .. SnapshotPumps()]).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private Task[] SnapshotPumps()
    {
        lock (_pumps)
        {
            return [.. _pumps];
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var index = Interlocked.Increment(ref _connections);
            lock (_pumps)
            {
                _pumps.Add(PipeAsync(client, _clientBytes?.Invoke(index)));
            }
        }
    }

    private async Task PipeAsync(TcpClient client, IClientStreamObserver? observer)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                var up = CopyAsync(client.GetStream(), server.GetStream(), observer);
                var down = CopyAsync(server.GetStream(), client.GetStream(), null);
                await Task.WhenAny(up, down);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
            {
                // Either side went away: the connection ends, as it would without the proxy.
            }
        }
    }

    private async Task CopyAsync(Stream from, Stream to, IClientStreamObserver? observer)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                observer?.Observe(buffer.AsSpan(0, read));
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
    }
}

/// <summary>Sees the bytes a client sends through a <see cref="LoopbackProxy"/>, chunk by chunk.</summary>
public interface IClientStreamObserver
{
    void Observe(ReadOnlySpan<byte> chunk);
}
