using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.Node;

/// <summary>
/// The node's ATX sync after a (re)start: go-spacemesh's BuildNIPostChallenge waits on RegisterForATXSynced before
/// it builds or reuses a challenge, so no identity goes PROVING for a NiPoST until then, and NodeService.Status
/// says <c>is_synced: false</c>. Lasts <see cref="NodeSettings.SyncTime"/> from the start of this process.
/// </summary>
public sealed class NodeSync(NodeSettings settings, SimRecord record, TimeProvider time)
{
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DateTimeOffset SyncedAt { get; } = time.GetUtcNow() + settings.SyncTime;

    public bool IsSynced => _synced.Task.IsCompleted;

    /// <summary>Waits out the sync time, then records `synced` and lets the waiting ATX loops go on (in that order).</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        await time.DelayUntilAsync(SyncedAt, stopping);
        record.Write("synced", null);
        _synced.TrySetResult();
    }

    public Task WaitAsync(CancellationToken stopping) => _synced.Task.WaitAsync(stopping);
}
