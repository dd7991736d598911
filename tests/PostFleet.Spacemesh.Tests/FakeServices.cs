using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Spacemesh.V1;
using Spacemesh.V2Alpha1;

namespace PostFleet.Spacemesh.Tests;

/// <summary>Canned answers; <see cref="Hang"/> makes the call never answer (until the client gives up).</summary>
internal sealed class FakePostInfo : PostInfoService.PostInfoServiceBase
{
    public PostStatesResponse Answer { get; set; } = new();

    public bool Hang { get; set; }

    private int _calls;

    /// <summary>Calls that reached this service (a test waits on it instead of on the clock).</summary>
    public int Calls => Volatile.Read(ref _calls);

    public override async Task<PostStatesResponse> PostStates(PostStatesRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _calls);
        if (Hang)
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }

        return Answer;
    }
}

internal sealed class FakeNetwork : NetworkService.NetworkServiceBase
{
    public NetworkInfoResponse Answer { get; set; } = new();

    public override Task<NetworkInfoResponse> Info(NetworkInfoRequest request, ServerCallContext context) => Task.FromResult(Answer);
}

internal sealed class FakeMesh : MeshService.MeshServiceBase
{
    public ulong GenesisUnixSeconds { get; set; }

    public ulong LayerSeconds { get; set; }

    public uint LayersPerEpoch { get; set; }

    public override Task<GenesisTimeResponse> GenesisTime(GenesisTimeRequest request, ServerCallContext context) =>
        Task.FromResult(new GenesisTimeResponse { Unixtime = new SimpleInt { Value = GenesisUnixSeconds } });

    public override Task<LayerDurationResponse> LayerDuration(LayerDurationRequest request, ServerCallContext context) =>
        Task.FromResult(new LayerDurationResponse { Duration = new SimpleInt { Value = LayerSeconds } });

    public override Task<EpochNumLayersResponse> EpochNumLayers(EpochNumLayersRequest request, ServerCallContext context) =>
        Task.FromResult(new EpochNumLayersResponse { Numlayers = new LayerNumber { Number = LayersPerEpoch } });
}

internal sealed class FakeActivation : ActivationService.ActivationServiceBase
{
    public HighestResponse Answer { get; set; } = new();

    public override Task<HighestResponse> Highest(Empty request, ServerCallContext context) => Task.FromResult(Answer);
}

internal sealed class FakeNodeService : global::Spacemesh.V1.NodeService.NodeServiceBase
{
    public StatusResponse StatusAnswer { get; set; } = new();

    public string VersionAnswer { get; set; } = "v1.7.6";

    public override Task<StatusResponse> Status(StatusRequest request, ServerCallContext context) => Task.FromResult(StatusAnswer);

    public override Task<VersionResponse> Version(Empty request, ServerCallContext context) =>
        Task.FromResult(new VersionResponse { VersionString = new SimpleString { Value = VersionAnswer } });
}

/// <summary>Streams <see cref="Events"/>, then either fails with <see cref="FailWith"/> or stays open until cancelled.</summary>
internal sealed class FakeAdmin : AdminService.AdminServiceBase
{
    public List<Event> Events { get; } = [];

    public Status? FailWith { get; set; }

    public override async Task EventsStream(EventStreamRequest request, IServerStreamWriter<Event> responseStream, ServerCallContext context)
    {
        // As go-spacemesh: the (empty) header once subscribed, then the buffered events.
        await context.WriteResponseHeadersAsync([]);
        foreach (var e in Events)
        {
            await responseStream.WriteAsync(e);
        }

        if (FailWith is { } status)
        {
            throw new RpcException(status);
        }

        await Task.Delay(Timeout.Infinite, context.CancellationToken);
    }
}
