using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.Node;

/// <summary>
/// `postfleet sim node`: a go-spacemesh node on a simulated standalone network, faithful on the wire toward
/// post-services and orchestrators (docs/simulator-node.md).
/// </summary>
public static class SimNodeProgram
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var flags = NodeFlags.Parse(args, out var error);
        if (error is not null)
        {
            await Console.Error.WriteLineAsync($"Error: {error}\n{NodeFlags.Usage}");
            return 2;
        }

        if (flags.ContainsKey("help"))
        {
            Console.WriteLine(NodeFlags.Usage);
            return 0;
        }

        var time = TimeProvider.System;
        try
        {
            return await RunNodeAsync(flags, time, cancellationToken);
        }
        catch (StartupException ex)
        {
            await Console.Error.WriteLineAsync($"Error: {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> RunNodeAsync(Dictionary<string, string> flags, TimeProvider time, CancellationToken cancellationToken)
    {
        var settings = NodeSettings.Resolve(flags, time.GetUtcNow());
        var (mode, identities) = IdentityLoader.Load(settings.IdentitiesFolder, settings.SmeshingStart, settings.Coinbase);
        var store = NodeStateStore.Open(settings.StatePath);
        settings = WithStoredGenesis(settings, store);

        using var record = new SimRecord(settings.RecordPath, time);
        // The record keeps true time (tools line it up with other records); the node itself lives on its own clock.
        var clock = new NodeClock(time, SimFaults.ClockOffsetFile(settings.DataFolder), settings.TimeScale, record);
        var node = new SimNode(settings, mode, identities);
        var states = new PostStateTable(record);
        record.Write("node-started", null, new JsonObject
        {
            ["genesis"] = SimRecord.Time(settings.Network.Genesis),
            ["timeScale"] = settings.TimeScale,
            ["mode"] = mode == SmeshingMode.Remote ? "remote" : "supervised",
            ["identities"] = new JsonArray([.. identities.Select(i => JsonValue.Create(i.Name))]),
        });
        foreach (var identity in node.ProvingIdentities)
        {
            states.Register(identity);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        var listeners = new ListenerDirectory();
        await using var app = NodeHost.Build(node, store, record, states, clock, listeners);
        try
        {
            await app.StartAsync(stop.Token);
        }
        catch (IOException ex)
        {
            throw new StartupException($"failed to start gRPC listeners: {ex.Message}");
        }

        ReportListeners(settings, listeners, record);
        var watch = settings.WatchPid is { } pid ? StopWhenGoneAsync(pid, time, stop) : Task.CompletedTask;
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }

        Console.WriteLine("shutting down");
        await watch;
        await app.StopAsync(CancellationToken.None);
        record.Write("node-stopped", null);
        return 0;

        void Stop(PosixSignalContext context)
        {
            // Graceful: streams end, state is already persisted, exit 0.
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>
    /// `--sim-watch-pid`: a node in a session of its own gets no hang-up from its starter's terminal, so it looks
    /// every second whether the starter is still there and shuts down as on SIGTERM when it is not.
    /// </summary>
    private static async Task StopWhenGoneAsync(int pid, TimeProvider time, CancellationTokenSource stop)
    {
        try
        {
            await ProcessLiveness.GoneAsync(pid, time, stop.Token);
            Console.WriteLine($"process {pid} is gone");
            await stop.CancelAsync();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Without an explicit genesis the first start fixes it; later starts on the same data folder keep it, as a
    /// real network's genesis does not move. An explicit different genesis is a different network: refused.
    /// </summary>
    private static NodeSettings WithStoredGenesis(NodeSettings settings, NodeStateStore store)
    {
        if (store.Genesis is { } stored)
        {
            if (settings.GenesisFromStartTime)
            {
                return settings with { Network = settings.Network with { Genesis = stored } };
            }

            if (stored != settings.Network.Genesis)
            {
                throw new StartupException($"genesis {settings.Network.Genesis:O} does not match the genesis {stored:O} stored in {settings.StatePath}; use another data folder");
            }

            return settings;
        }

        store.SetGenesis(settings.Network.Genesis);
        return settings;
    }

    private static void ReportListeners(NodeSettings settings, ListenerDirectory listeners, SimRecord record)
    {
        var bound = new JsonObject();
        foreach (var name in new[] { PublicListener.Name, PrivateListener.Name, PostListener.Name, JsonListener.Name, TlsListener.Name })
        {
            if (listeners.BoundEndPoint(name) is { } endPoint)
            {
                // Same wording as the real node's log: with port 0 this line is the only place the port shows.
                Console.WriteLine($"INFO\tgrpc.{name}\tbound to address\t{{\"address\": \"{endPoint}\"}}");
                bound[name] = endPoint.ToString();
            }
        }

        Console.WriteLine($"INFO\tnode\tstarted\t{{\"genesis\": \"{settings.Network.Genesis:O}\", \"timeScale\": {settings.TimeScale}}}");
        record.Write("listening", null, bound);
    }
}
