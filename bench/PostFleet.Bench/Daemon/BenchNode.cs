using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Core.Timeline;

namespace PostFleet.Bench.Daemon;

/// <summary>
/// The node as `bench daemon` needs it: every identity in one state (IDLE between gaps, PROVING in the open gap),
/// a fixed clock, synced, and an event stream that subscribes and then stays quiet. Nothing is delivered: the
/// measurement is of steady passes, not of an epoch.
/// </summary>
internal sealed class BenchNode(NetworkClock clock, IEnumerable<string> identities, NodePostState state, TimeProvider time) : INodeClient
{
    private readonly IReadOnlyList<IdentityState> _states = [.. identities.Select(n => new IdentityState(n, NodeId.FromBytes(SHA256.HashData(Encoding.UTF8.GetBytes(n))), state))];

    /// <summary>PostStates calls answered: the bench checks the daemon asks once per pass.</summary>
    public int PostStatesAsked { get; private set; }

    public Task<IReadOnlyList<IdentityState>> GetPostStatesAsync(CancellationToken cancellationToken)
    {
        PostStatesAsked++;
        return Task.FromResult(_states);
    }

    public Task<NetworkClock> GetNetworkClockAsync(CancellationToken cancellationToken) => Task.FromResult(clock);

    public Task<byte[]> GetHighestAtxIdAsync(CancellationToken cancellationToken) => Task.FromResult(new byte[32]);

    public Task<NodeHealth> GetHealthAsync(CancellationToken cancellationToken) => Task.FromResult(new NodeHealth(true, 0, 8, "bench"));

    public Task<bool> IsSyncedAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    public async IAsyncEnumerable<NodeEvent> StreamEventsAsync(Action subscribed, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        subscribed();
        await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken);
        yield break;
    }
}
