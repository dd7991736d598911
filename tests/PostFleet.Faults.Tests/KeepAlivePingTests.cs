using System.Diagnostics;
using System.Globalization;
using PostFleet.Testing;
using Xunit.Abstractions;

namespace PostFleet.Faults.Tests;

/// <summary>
/// go-spacemesh's gRPC server allows one client PING per minute (api/grpcserver/grpc.go, keepalive.EnforcementPolicy
/// MinTime 1 min) and closes the connection with too_many_pings after repeated faster ones. This counts the PING
/// frames a real `postfleet run` sends on its public and private listener connections (the event stream is the
/// long-lived one) while a simulated node runs its epochs, through proxies that read the HTTP/2 frame headers.
/// </summary>
public sealed class KeepAlivePingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan NodePolicy = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(75);

    [Fact]
    public async Task The_daemon_never_pings_the_node_more_often_than_the_node_allows()
    {
        var publicPort = FreePorts.Next();
        var privatePort = FreePorts.Next();
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA")], PublicListenerPort = publicPort, PrivateListenerPort = privatePort });
        var clock = Stopwatch.StartNew();
        var counters = new List<(string Listener, Http2PingCounter Counter)>();
        Func<int, IClientStreamObserver> Counting(string listener) => _ =>
        {
            var counter = new Http2PingCounter(clock);
            lock (counters)
            {
                counters.Add((listener, counter));
            }

            return counter;
        };

        await fleet.StartNodeAsync();
        await using var publicProxy = new LoopbackProxy(publicPort, fleet.PublicPort, Counting("public"));
        await using var privateProxy = new LoopbackProxy(privatePort, fleet.PrivatePort, Counting("private"));
        fleet.StartDaemon();

        // Events flow on the stream the whole time (the node runs an epoch every 15 s at this time scale).
        await fleet.WaitForDeliveriesAsync(["a1"], 1, TimeSpan.FromSeconds(120));
        var until = clock.Elapsed + Watch;
        await Eventually.UntilAsync(() => clock.Elapsed >= until || fleet.Daemon!.HasExited, "the watch period to pass", Watch + TimeSpan.FromSeconds(30));
        Assert.False(fleet.Daemon!.HasExited, "the daemon exited:\n" + fleet.Daemon.StandardError);

        List<(string Listener, Http2PingCounter Counter)> seen;
        lock (counters)
        {
            seen = [.. counters];
        }

        Assert.Contains(seen, c => c.Listener == "private" && c.Counter.Frames > 0);
        var report = string.Join("; ", seen.Select(c => $"{c.Listener}: {c.Counter.Frames} frames, pings at [{string.Join(", ", c.Counter.Pings.Select(p => p.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)))}] s"));
        output.WriteLine($"HTTP/2 PING frames from postfleet run over {clock.Elapsed.TotalSeconds:0} s: {report}");
        foreach (var (listener, counter) in seen)
        {
            var pings = counter.Pings;
            for (var i = 1; i < pings.Count; i++)
            {
                Assert.True(pings[i] - pings[i - 1] >= NodePolicy, $"{listener}: two PINGs {(pings[i] - pings[i - 1]).TotalSeconds:0.0} s apart; {report}");
            }
        }
    }
}
