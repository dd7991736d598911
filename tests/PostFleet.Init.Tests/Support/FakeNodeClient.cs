using System.Runtime.CompilerServices;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Core.Timeline;

namespace PostFleet.Init.Tests.Support;

/// <summary>An in-memory node: a fixed highest ATX and the identities it "loaded at start".</summary>
public sealed class FakeNodeClient(byte[] highestAtx) : INodeClient
{
    public List<IdentityState> Carried { get; } = [];

    public bool Unreachable { get; set; }

    public int HighestCalls { get; private set; }

    public Task<IReadOnlyList<IdentityState>> GetPostStatesAsync(CancellationToken cancellationToken) =>
        Unreachable ? throw new HttpRequestException("connection refused") : Task.FromResult<IReadOnlyList<IdentityState>>([.. Carried]);

    public Task<NetworkClock> GetNetworkClockAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<byte[]> GetHighestAtxIdAsync(CancellationToken cancellationToken)
    {
        HighestCalls++;
        return Unreachable ? throw new HttpRequestException("connection refused") : Task.FromResult(highestAtx);
    }

    public Task<NodeHealth> GetHealthAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> IsSyncedAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public async IAsyncEnumerable<NodeEvent> StreamEventsAsync(Action subscribed, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        subscribed();
        await Task.CompletedTask;
        yield break;
    }
}
