using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PostFleet.Simulator.Common;
using Spacemesh.V1;

namespace PostFleet.Simulator.Node;

/// <summary>
/// go-spacemesh's NIPostBuilder.Proof (fact sheet §2): PROVING first, wait for the identity's post-service,
/// poll GenProof until a proof, an error, a disconnect (→ wait again, same challenge) or the deadline.
/// </summary>
public sealed class ProofRequester(
    PostServiceConnections connections,
    PostStateTable states,
    NodeEvents events,
    EventFactory eventFactory,
    SimRecord record,
    NodeSettings settings,
    TimeProvider time,
    ILogger<ProofRequester> logger)
{
    /// <summary>The real node warns every 10th look-up (≈ 20 s) while the service is missing.</summary>
    private const int WarnEveryTries = 10;

    public async Task<ProofOutcome> ProveAsync(NodeIdentity identity, ProofRequest request, CancellationToken stopping)
    {
        states.Set(identity, PostState.Types.State.Proving);
        record.Write("proof-requested", identity, new JsonObject
        {
            ["kind"] = request.Kind == ProofKind.Initial ? "initial" : "nipost",
            ["publishEpoch"] = request.PublishEpoch,
            ["challenge"] = Convert.ToHexStringLower(request.Challenge),
            ["deadline"] = request.Deadline is { } d ? SimRecord.Time(d) : null,
        });

        using var deadline = request.Deadline is { } end
            ? new CancellationTokenSource(Positive(end - time.GetUtcNow()), time)
            : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, deadline.Token);
        var started = false;
        try
        {
            var tries = 0;
            while (true)
            {
                var connection = connections.Find(identity.NodeIdHex);
                if (connection is null)
                {
                    if (++tries % WarnEveryTries == 0)
                    {
                        logger.LogWarning("post service not connected - waiting for reconnection (smesher {NodeId})", identity.NodeIdHex);
                    }

                    await Task.Delay(settings.PollInterval, time, linked.Token);
                    continue;
                }

                if (!started)
                {
                    // Once per Proof call, when a service is first found, not when PROVING begins.
                    started = true;
                    events.Emit(eventFactory.PostStart(request.Challenge, identity.NodeId));
                    record.Write("post-start", identity, new JsonObject { ["challenge"] = Convert.ToHexStringLower(request.Challenge) });
                }

                try
                {
                    var meta = await PollAsync(connection, request, linked.Token);
                    events.Emit(eventFactory.PostComplete(request.Challenge, identity.NodeId));
                    states.Set(identity, PostState.Types.State.Idle);
                    record.Write("proof-delivered", identity, new JsonObject
                    {
                        ["kind"] = request.Kind == ProofKind.Initial ? "initial" : "nipost",
                        ["publishEpoch"] = request.PublishEpoch,
                        ["challenge"] = Convert.ToHexStringLower(request.Challenge),
                        ["numUnits"] = meta.NumUnits,
                    });
                    return new ProofOutcome(ProofResult.Delivered, meta);
                }
                catch (ConnectionClosedException)
                {
                    // Silently back to waiting: no event, state stays PROVING, same challenge on reconnect.
                    tries = 0;
                }
            }
        }
        catch (ProofException ex)
        {
            // State stays PROVING: the ATX loop retries the whole step.
            return Fail(identity, ProofResult.Failed, ex.Message);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            // go's context deadline never expires early; a .NET timer can, by a millisecond.
            await time.DelayUntilAsync(request.Deadline!.Value, stopping);
            return started
                ? Fail(identity, ProofResult.DeadlineExceeded, "context deadline exceeded")
                : Quiet(identity, "context deadline exceeded (post service never connected)");
        }
    }

    private ProofOutcome Fail(NodeIdentity identity, ProofResult result, string reason)
    {
        events.Emit(eventFactory.PostFailed(identity.NodeId));
        record.Write("proof-failed", identity, new JsonObject { ["reason"] = reason });
        logger.LogError("failed to generate proof for {NodeId}: {Reason}", identity.NodeIdHex, reason);
        return new ProofOutcome(result, Reason: reason);
    }

    /// <summary>Deadline without the service ever connecting: no failure event, only the record line.</summary>
    private ProofOutcome Quiet(NodeIdentity identity, string reason)
    {
        record.Write("proof-failed", identity, new JsonObject { ["reason"] = reason });
        return new ProofOutcome(ProofResult.DeadlineExceeded, Reason: reason);
    }

    private async Task<Metadata> PollAsync(PostServiceConnection connection, ProofRequest request, CancellationToken cancellationToken)
    {
        if (request.Kind == ProofKind.Initial)
        {
            // v1.6+: metadata is re-read before the initial PoST is (re)validated.
            var answer = await connection.SendAsync(new NodeRequest { Metadata = new MetadataRequest() }, cancellationToken);
            if (answer.KindCase != ServiceResponse.KindOneofCase.Metadata || answer.Metadata.Meta is null)
            {
                throw new ProofException("invalid metadata response");
            }
        }

        var genProof = new NodeRequest { GenProof = new GenProofRequest { Challenge = Google.Protobuf.ByteString.CopyFrom(request.Challenge) } };
        while (true)
        {
            var answer = await connection.SendAsync(genProof, cancellationToken);
            if (answer.KindCase != ServiceResponse.KindOneofCase.GenProof)
            {
                throw new ProofException($"unexpected response type: {answer.KindCase}");
            }

            var response = answer.GenProof;
            switch (response.Status)
            {
                case GenProofStatus.Ok when response.Proof is null:
                    // "In progress": ask again with the same request after the query interval.
                    await Task.Delay(settings.PollInterval, time, cancellationToken);
                    continue;
                case GenProofStatus.Ok:
                    return Validate(response, request);
                case GenProofStatus.Error:
                    throw new ProofException("error generating proof");
                case GenProofStatus.Unspecified:
                    throw new ProofException("unspecified error returned by post service");
                default:
                    throw new ProofException($"unknown status: {response.Status}");
            }
        }
    }

    private static Metadata Validate(GenProofResponse response, ProofRequest request)
    {
        if (response.Metadata is null)
        {
            throw new ProofException("proof metadata is nil");
        }

        if (!response.Metadata.Challenge.Span.SequenceEqual(request.Challenge))
        {
            throw new ProofException("unexpected challenge");
        }

        var meta = response.Metadata.Meta ?? throw new ProofException("post metadata is nil");

        // The real node crashes on a missing nonce for a NiPoST; refusing it is the safe reading.
        return meta.HasNonce ? meta : throw new ProofException("missing VRF nonce");
    }

    private static TimeSpan Positive(TimeSpan span) => span < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : span;
}
