using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Spacemesh.V1;
using Metadata = Spacemesh.V1.Metadata;

namespace PostFleet.Simulator.Tests.Node;

/// <summary>
/// A post-service written in the test (post-service.md §2.4): it dials the node's Register stream, answers
/// MetadataRequest from its metadata and GenProof with "in progress" until <see cref="Deliver"/> says the proof
/// is done, then OK + proof + metadata for the requested challenge.
/// </summary>
public sealed class FakePostService : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<ServiceResponse, NodeRequest> _call;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, int> _polls = new();

    private FakePostService(byte[] nodeId, GrpcChannel channel)
    {
        NodeId = nodeId;
        _channel = channel;
        _call = new Spacemesh.V1.PostService.PostServiceClient(channel).Register(cancellationToken: _stop.Token);
        Completion = ServeAsync();
    }

    public byte[] NodeId { get; }

    /// <summary>(challenge, how many GenProofs for it so far) → is the proof done? Default: on the third poll.</summary>
    public Func<byte[], int, bool> Deliver { get; set; } = (_, polls) => polls >= 3;

    public ConcurrentQueue<byte[]> Challenges { get; } = new();

    public int MetadataRequests;

    public int ProofsDelivered;

    /// <summary>Ends when the node ends the stream; faults with the node's RpcException (e.g. a rejection).</summary>
    public Task Completion { get; }

    public static FakePostService Connect(int postPort, byte[] nodeId) =>
        new(nodeId, GrpcChannel.ForAddress($"http://127.0.0.1:{postPort}"));

    private Metadata Meta() => new()
    {
        NodeId = ByteString.CopyFrom(NodeId),
        CommitmentAtxId = ByteString.CopyFrom(new byte[32]),
        Nonce = 7,
        NumUnits = 4,
        LabelsPerUnit = 1024,
    };

    private async Task ServeAsync()
    {
        await foreach (var request in _call.ResponseStream.ReadAllAsync(_stop.Token))
        {
            var response = request.KindCase switch
            {
                NodeRequest.KindOneofCase.Metadata => MetadataAnswer(),
                NodeRequest.KindOneofCase.GenProof => GenProof(request.GenProof.Challenge.ToByteArray()),
                _ => new ServiceResponse { GenProof = new GenProofResponse { Status = GenProofStatus.Error } },
            };
            await _call.RequestStream.WriteAsync(response, _stop.Token);
        }
    }

    private ServiceResponse MetadataAnswer()
    {
        Interlocked.Increment(ref MetadataRequests);
        return new ServiceResponse { Metadata = new MetadataResponse { Meta = Meta() } };
    }

    private ServiceResponse GenProof(byte[] challenge)
    {
        Challenges.Enqueue(challenge);
        var polls = _polls.AddOrUpdate(Convert.ToHexString(challenge), 1, (_, n) => n + 1);
        if (!Deliver(challenge, polls))
        {
            return new ServiceResponse { GenProof = new GenProofResponse { Status = GenProofStatus.Ok } };
        }

        _polls.TryRemove(Convert.ToHexString(challenge), out _);
        Interlocked.Increment(ref ProofsDelivered);
        return new ServiceResponse
        {
            GenProof = new GenProofResponse
            {
                Status = GenProofStatus.Ok,
                Proof = new Proof { Nonce = 3, Indices = ByteString.CopyFrom(new byte[27]), Pow = 42 },
                Metadata = new ProofMetadata { Challenge = ByteString.CopyFrom(challenge), Meta = Meta() },
            },
        };
    }

    /// <summary>Kills the stream (RST_STREAM), like a post-service process that dies.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Completion;
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
        }

        _call.Dispose();
        _channel.Dispose();
        _stop.Dispose();
    }
}
