using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PostFleet.Simulator.Common;
using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

/// <summary>
/// One identity's ATX loop (fact sheet §3, §7, §8): initial PoST, then each epoch build the challenge, wait for
/// the PoET round, prove in the cycle gap, publish the ATX. Progress is persisted so a restart resumes (after the
/// node's sync, see <see cref="NodeSync"/>).
/// </summary>
public sealed class AtxBuilder(
    NodeIdentity identity,
    EpochTimeline timeline,
    NetworkIds ids,
    ProofRequester prover,
    PostStateTable states,
    NodeStateStore store,
    NodeSync sync,
    NodeEvents events,
    EventFactory eventFactory,
    SimRecord record,
    TimeProvider time,
    ILogger logger)
{
    private DateTimeOffset Now => time.GetUtcNow();

    public async Task RunAsync(CancellationToken stopping)
    {
        await EnsureInitialPostAsync(stopping);
        while (!stopping.IsCancellationRequested)
        {
            await StepAsync(stopping);
        }
    }

    private async Task EnsureInitialPostAsync(CancellationToken stopping)
    {
        var progress = store.Get(identity);
        while (!progress.InitialPostDone && progress.Atxs.Count == 0)
        {
            var outcome = await prover.ProveAsync(identity, ProofRequest.Initial(), stopping);
            if (outcome.Result == ProofResult.Delivered)
            {
                progress = store.Update(identity, p =>
                {
                    p.InitialPostDone = true;
                    p.NumUnits = outcome.Meta!.NumUnits;
                });
                return;
            }

            await DelayUntilAsync(timeline.NextLayerStart(Now), stopping);
        }
    }

    /// <summary>
    /// One pass of the loop (PublishActivationTx); each pass re-reads the stored progress, as the node re-reads
    /// local.sql. Like BuildNIPostChallenge it first waits for the ATX sync: after a restart the identity stays IDLE
    /// until then, and only then resumes PROVING with the stored challenge.
    /// </summary>
    private async Task StepAsync(CancellationToken stopping)
    {
        await sync.WaitAsync(stopping);
        var progress = store.Get(identity);
        if (progress.PendingPublishEpoch is not { } publish)
        {
            publish = await BuildChallengeAsync(stopping);
            progress = store.Get(identity);
        }

        if (Now >= timeline.PublishEpochEnd(publish))
        {
            // Stale challenge: this is how a failed or late identity returns to IDLE.
            states.Set(identity, PostState.Types.State.Idle);
            store.Update(identity, p => p.ClearPending());
            record.Write("challenge-stale", identity, new JsonObject { ["publishEpoch"] = publish });
            return;
        }

        if (!progress.PoetProofFetched && !await WaitForPoetProofAsync(publish, stopping))
        {
            return;
        }

        if (!progress.NipostDone && !await ProveNipostAsync(publish, stopping))
        {
            return;
        }

        await PublishAtxAsync(publish, stopping);
    }

    private async Task<uint> BuildChallengeAsync(CancellationToken stopping)
    {
        var (publish, buildAt) = timeline.NextChallenge(Now);
        if (buildAt > Now)
        {
            var current = timeline.CurrentEpoch(Now);
            events.Emit(eventFactory.PoetWaitRound(current, publish, buildAt, identity.NodeId));
            events.Emit(eventFactory.WaitingForPoetRegistrationWindow(current, publish, buildAt, identity.NodeId));
            record.Write("poet-wait-round", identity, new JsonObject { ["publishEpoch"] = publish, ["until"] = SimRecord.Time(buildAt) });
            await DelayUntilAsync(buildAt, stopping);
        }

        store.Update(identity, p =>
        {
            p.ClearPending();
            p.PendingPublishEpoch = publish;
        });
        record.Write("challenge-built", identity, new JsonObject { ["publishEpoch"] = publish, ["poetRound"] = publish - 1 });
        return publish;
    }

    /// <summary>Sleeps until the PoET round ends (+ jitter); false if the proof came too late to be used.</summary>
    private async Task<bool> WaitForPoetProofAsync(uint publish, CancellationToken stopping)
    {
        var roundEnd = timeline.RoundEnd(publish);
        if (Now < roundEnd)
        {
            events.Emit(eventFactory.PoetWaitProof(publish, roundEnd, identity.NodeId));
            events.Emit(eventFactory.WaitingForPoetRoundEnd(publish, roundEnd, identity.NodeId));
            record.Write("poet-wait-proof", identity, new JsonObject { ["publishEpoch"] = publish, ["until"] = SimRecord.Time(roundEnd) });
            await DelayUntilAsync(roundEnd + timeline.RoundEndJitter(Random.Shared.NextDouble()), stopping);
        }

        if (Now >= timeline.PoetProofDeadline(publish))
        {
            store.Update(identity, p => p.ClearPending());
            record.Write("challenge-expired", identity, new JsonObject { ["publishEpoch"] = publish, ["reason"] = "poet proof not obtained before the fetch deadline" });
            return false;
        }

        store.Update(identity, p => p.PoetProofFetched = true);
        return true;
    }

    private async Task<bool> ProveNipostAsync(uint publish, CancellationToken stopping)
    {
        var request = new ProofRequest(ProofKind.Nipost, ids.NipostChallenge(publish), publish, timeline.PublishEpochEnd(publish));
        var outcome = await prover.ProveAsync(identity, request, stopping);
        if (outcome.Result == ProofResult.Delivered)
        {
            store.Update(identity, p =>
            {
                p.NipostDone = true;
                p.NumUnits = outcome.Meta!.NumUnits;
            });
            return true;
        }

        // Failed: retried from the top about a layer later (same challenge, new postStart). Deadline: the
        // next pass finds the challenge stale and turns the identity IDLE.
        logger.LogWarning("PoST for {NodeId} publish epoch {Epoch} not obtained: {Reason}; retrying about a layer later", identity.NodeIdHex, publish, outcome.Reason);
        await DelayUntilAsync(timeline.NextLayerStart(Now), stopping);
        return false;
    }

    private async Task PublishAtxAsync(uint publish, CancellationToken stopping)
    {
        // An ATX is never broadcast before its publish epoch starts.
        await DelayUntilAsync(timeline.EpochStart(publish), stopping);
        var atxId = ids.AtxId(identity.NodeId, publish);
        var idHex = Convert.ToHexStringLower(atxId);
        store.Update(identity, p =>
        {
            p.Atxs.Add(new PublishedAtx(publish, idHex, identity.NodeIdHex, p.NumUnits, (ulong)p.Atxs.Count));
            p.ClearPending();
        });
        events.Emit(eventFactory.AtxPublished(publish, atxId, timeline.EpochStart(publish + 1), identity.NodeId));
        record.Write("atx-published", identity, new JsonObject { ["publishEpoch"] = publish, ["targetEpoch"] = publish + 1, ["atxId"] = idHex });
    }

    private Task DelayUntilAsync(DateTimeOffset when, CancellationToken stopping) => time.DelayUntilAsync(when, stopping);
}
