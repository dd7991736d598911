using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Core.Ports;
using PostFleet.Daemon.Runtimes;
using PostFleet.Spacemesh.Node;
using PostFleet.Spacemesh.Operator;
using PostFleet.Storage;

namespace PostFleet.Daemon;

/// <summary>
/// Everything the daemon talks to and the clock it runs on: the one place they are chosen. `postfleet run` and the
/// demo take the real ones from <see cref="Connect"/>; the in-process tests give in-memory fakes and a fake clock.
/// The daemon owns what it is given and disposes it (never stopping a service: runtimes release only handles).
/// </summary>
public sealed record DaemonAdapters(INodeClient Node, IPostStatusClient Operators, IServiceRuntime Runtime, FleetHistory History, TimeProvider Time) : IAsyncDisposable
{
    /// <summary>The node's gRPC client, the operators' /status client, the configured runtime and the history file.</summary>
    public static DaemonAdapters Connect(FleetSpec fleet, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(loggers);
        var built = new List<object>();
        try
        {
            var node = Keep(built, new NodeGrpcClient(fleet.Node, timeProvider: time, logger: loggers.CreateLogger<NodeGrpcClient>()));
            var others = fleet.Nodes.Skip(1).ToImmutableDictionary(
                n => n.Name,
                n => (INodeClient)Keep(built, new NodeGrpcClient(n, timeProvider: time, logger: loggers.CreateLogger<NodeGrpcClient>())),
                StringComparer.Ordinal);
            var operators = Keep(built, new OperatorStatusClient(time));
            var runtime = Keep(built, RuntimeFactory.Create(fleet, time, loggers));
            return new DaemonAdapters(node, operators, runtime, FleetHistory.Open(fleet.HistoryPath), time) { OtherNodes = others };
        }
        catch
        {
            // A history that cannot open (or a runtime that cannot be built) must not leak the clients built before it.
            foreach (var part in built)
            {
                (part as IDisposable)?.Dispose();
            }

            throw;
        }
    }

    /// <summary>The clients of the fleet's other nodes by name (<c>nodes:</c> after the first, which is <see cref="Node"/>).</summary>
    public ImmutableDictionary<string, INodeClient> OtherNodes { get; init; } = ImmutableDictionary<string, INodeClient>.Empty;

    /// <summary>The client of the node named <paramref name="name"/>; <paramref name="first"/> is the first node's name (<see cref="Node"/>).</summary>
    public INodeClient NodeClient(string name, string first) =>
        name == first ? Node : OtherNodes.TryGetValue(name, out var client) ? client : throw new InvalidOperationException($"no client for node {name}");

    public async ValueTask DisposeAsync()
    {
        foreach (var part in new object[] { Node, Operators, Runtime, History }.Concat(OtherNodes.Values))
        {
            if (part is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync();
            }
            else if (part is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }
    }

    private static T Keep<T>(List<object> built, T part)
        where T : notnull
    {
        built.Add(part);
        return part;
    }
}
