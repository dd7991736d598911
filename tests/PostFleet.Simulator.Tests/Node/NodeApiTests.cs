using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using PostFleet.Simulator.Node;
using Spacemesh.V1;

namespace PostFleet.Simulator.Tests.Node;

/// <summary>
/// The node's information RPCs over real loopback gRPC (fact sheet §1, §3, §5, §6): PostStates (stubs, reflection,
/// JSON form), listener scoping, Highest, mesh/network info, SmesherService and EventsStream.
/// </summary>
public sealed class NodeApiTests : IAsyncLifetime
{
    private NodeProcess _node = null!;

    public async Task InitializeAsync() => _node = await NodeProcess.StartAsync(["alpha", "beta", "gamma"]);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private Task<PostStatesResponse> PostStatesAsync() =>
        new PostInfoService.PostInfoServiceClient(_node.Channel(_node.PostPort)).PostStatesAsync(new PostStatesRequest()).ResponseAsync;

    [Fact]
    public async Task PostStates_reports_every_identity_by_key_file_name_and_its_json_form()
    {
        // Without a service every identity waits for its initial PoST: PROVING.
        var states = await PostStatesAsync();
        Assert.Equal(["alpha.key", "beta.key", "gamma.key"], states.States.Select(s => s.Name).Order(StringComparer.Ordinal));
        foreach (var state in states.States)
        {
            Assert.Equal(32, state.Id.Length);
            Assert.Equal(_node.NodeId(state.Name[..^4]), state.Id.ToByteArray());
        }

        await Eventually(async () => (await PostStatesAsync()).States.All(s => s.State == PostState.Types.State.Proving), "all PROVING");
        var proving = JsonDocument.Parse(JsonFormatter.Default.Format(await PostStatesAsync())).RootElement;
        var alphaJson = proving.GetProperty("states").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "alpha.key");
        Assert.Equal(Convert.ToBase64String(_node.NodeId("alpha")), alphaJson.GetProperty("id").GetString());
        Assert.Equal("PROVING", alphaJson.GetProperty("state").GetString());

        await using var service = FakePostService.Connect(_node.PostPort, _node.NodeId("alpha"));
        var idle = await PostFleet.Testing.Eventually.UntilAsync<PostStatesResponse>(
            async () => await PostStatesAsync() is var r && r.States.Single(s => s.Name == "alpha.key").State == PostState.Types.State.Idle ? r : null,
            "alpha IDLE after its initial PoST");
        Assert.Contains("\"state\": \"IDLE\"", JsonFormatter.Default.Format(idle), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reflection_lists_each_listeners_own_services_and_describes_PostStates()
    {
        Assert.Equal(
            ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "spacemesh.v1.PostInfoService", "spacemesh.v1.PostService"],
            await ListServicesAsync(_node.PostPort));
        Assert.Equal(
            ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "spacemesh.v1.ActivationService", "spacemesh.v1.MeshService", "spacemesh.v1.NodeService", "spacemesh.v2alpha1.NetworkService"],
            await ListServicesAsync(_node.PublicPort));
        Assert.Contains("spacemesh.v1.AdminService", await ListServicesAsync(_node.PrivatePort));

        // Decode a raw PostStates answer with nothing but the reflected schema.
        var files = await ReflectFileAsync(_node.PostPort, "spacemesh.v1.PostInfoService");
        var service = files.SelectMany(f => f.Services).Single(s => s.FullName == "spacemesh.v1.PostInfoService");
        var method = service.FindMethodByName("PostStates");
        var raw = await _node.Channel(_node.PostPort).CreateCallInvoker().AsyncUnaryCall(
            new Method<byte[], byte[]>(MethodType.Unary, service.FullName, method.Name, Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b)),
            null,
            default,
            []);
        var decoded = ReflectedDecoder.Decode(method.OutputType, raw);
        var states = decoded["states"].Cast<Dictionary<string, List<object>>>().ToList();
        Assert.Equal(3, states.Count);
        Assert.All(states, s => Assert.Equal(32, ((byte[])s["id"][0]).Length));
        Assert.All(states, s => Assert.Contains((string)s["state"][0], new[] { "IDLE", "PROVING" }));
        Assert.Contains(states, s => (string)s["name"][0] == "gamma.key");
    }

    [Fact]
    public async Task PostInfoService_is_served_only_on_the_post_listener()
    {
        foreach (var port in new[] { _node.PublicPort, _node.PrivatePort })
        {
            var error = await Assert.ThrowsAsync<RpcException>(() =>
                new PostInfoService.PostInfoServiceClient(_node.Channel(port)).PostStatesAsync(new PostStatesRequest()).ResponseAsync);
            Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        }

        var mesh = await Assert.ThrowsAsync<RpcException>(() =>
            new MeshService.MeshServiceClient(_node.Channel(_node.PostPort)).GenesisTimeAsync(new GenesisTimeRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, mesh.StatusCode);
    }

    [Fact]
    public async Task Highest_is_the_golden_atx_and_the_json_gateway_serves_public_methods()
    {
        var mesh = new MeshService.MeshServiceClient(_node.Channel(_node.PublicPort));
        var genesis = DateTimeOffset.FromUnixTimeSeconds((long)(await mesh.GenesisTimeAsync(new GenesisTimeRequest())).Unixtime.Value);
        var ids = new NetworkIds(genesis);

        var highest = await new ActivationService.ActivationServiceClient(_node.Channel(_node.PublicPort)).HighestAsync(new Empty());
        Assert.Equal(ids.GoldenAtx, highest.Atx.Id.Id.ToByteArray());
        Assert.Null(highest.Atx.Layer);
        Assert.Equal(ids.GenesisId, (await mesh.GenesisIDAsync(new GenesisIDRequest())).GenesisId.ToByteArray());
        Assert.Equal(15u, (await mesh.EpochNumLayersAsync(new EpochNumLayersRequest())).Numlayers.Number);
        Assert.Equal(0ul, (await mesh.LayerDurationAsync(new LayerDurationRequest())).Duration.Value); // 0.5 s, truncated

        var info = await new Spacemesh.V2Alpha1.NetworkService.NetworkServiceClient(_node.Channel(_node.PublicPort)).InfoAsync(new Spacemesh.V2Alpha1.NetworkInfoRequest());
        Assert.Equal(TimeSpan.FromSeconds(0.5), info.LayerDuration.ToTimeSpan());
        Assert.Equal(1024ul, info.LabelsPerUnit);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_node.JsonPort}") };
        var json = await PostJsonAsync(http, "/spacemesh.v1.ActivationService/Highest");
        Assert.Equal(Convert.ToBase64String(ids.GoldenAtx), json.GetProperty("atx").GetProperty("id").GetProperty("id").GetString());
        var genesisJson = await PostJsonAsync(http, "/v1/mesh/genesistime");
        Assert.Equal(genesis.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), genesisJson.GetProperty("unixtime").GetProperty("value").GetString());
        Assert.Equal("0.500s", (await PostJsonAsync(http, "/spacemesh.v2alpha1.NetworkService/Info")).GetProperty("layerDuration").GetString());
    }

    [Fact]
    public async Task SmesherService_reports_remote_mode_and_the_post_config()
    {
        var smesher = new SmesherService.SmesherServiceClient(_node.Channel(_node.PrivatePort));
        var error = await Assert.ThrowsAsync<RpcException>(() => smesher.IsSmeshingAsync(new Empty()).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("node is not configured for supervised smeshing", error.Status.Detail);

        var config = await smesher.PostConfigAsync(new Empty());
        Assert.Equal((128u, 1024ul, 1u, 32u, 12u, 20u), (config.BitsPerLabel, config.LabelsPerUnit, config.MinNumUnits, config.MaxNumUnits, config.K1, config.K2));
        Assert.Equal(3, (await smesher.SmesherIDsAsync(new Empty())).PublicKeys.Count);
        Assert.False(string.IsNullOrEmpty((await smesher.CoinbaseAsync(new Empty())).AccountId.Address));
    }

    [Fact]
    public async Task EventsStream_replays_recent_events_then_streams_live_ones()
    {
        var admin = new AdminService.AdminServiceClient(_node.Channel(_node.PrivatePort));
        await using (var service = FakePostService.Connect(_node.PostPort, _node.NodeId("beta")))
        {
            await _node.WaitForRecordAsync("proof-delivered", "beta");
        }

        // A late subscriber still sees beta's initial PoST from the replay ring.
        using var stream = admin.EventsStream(new EventStreamRequest());
        var start = await DeadlineTests.ReadUntilAsync(stream.ResponseStream, e => e.PostStart?.Smesher.Span.SequenceEqual(_node.NodeId("beta")) == true);
        Assert.Equal(new byte[32], start.PostStart.Challenge.ToByteArray());
        var complete = await DeadlineTests.ReadUntilAsync(stream.ResponseStream, e => e.PostComplete?.Smesher.Span.SequenceEqual(_node.NodeId("beta")) == true);
        Assert.False(complete.Failure);
        Assert.Equal(new byte[32], complete.PostComplete.Challenge.ToByteArray());

        // Live: beta's ATX loop waits for the PoET round (poetWaitRound or poetWaitProof), emitted after the replay.
        var waiting = await DeadlineTests.ReadUntilAsync(stream.ResponseStream, e =>
            (e.PoetWaitRound?.Smesher.Span.SequenceEqual(_node.NodeId("beta")) ?? false) || (e.PoetWaitProof?.Smesher.Span.SequenceEqual(_node.NodeId("beta")) ?? false));
        Assert.True(waiting.Timestamp.ToDateTimeOffset() >= complete.Timestamp.ToDateTimeOffset());

        // Like go-spacemesh (activation.go, nipost.go), each deprecated wait event comes with its replacement (oneof
        // tags 18 and 22): the same epochs, round_end for until, the same help text.
        var beta = _node.NodeId("beta");
        var twin = await DeadlineTests.ReadUntilAsync(stream.ResponseStream, e => waiting.PoetWaitRound is not null
            ? e.WaitingForPoetRegistrationWindow?.Smesher.Span.SequenceEqual(beta) == true
            : e.WaitingForPoetRoundEnd?.Smesher.Span.SequenceEqual(beta) == true);
        Assert.Equal(waiting.Help, twin.Help);
        Assert.StartsWith("Node is waiting for PoET", twin.Help, StringComparison.Ordinal);
        if (waiting.PoetWaitRound is { } round)
        {
            Assert.Equal((round.Current, round.Publish, round.Until), (twin.WaitingForPoetRegistrationWindow.Current, twin.WaitingForPoetRegistrationWindow.Publish, twin.WaitingForPoetRegistrationWindow.RoundEnd));
        }
        else
        {
            Assert.Equal((waiting.PoetWaitProof.Publish, waiting.PoetWaitProof.Target, waiting.PoetWaitProof.Until), (twin.WaitingForPoetRoundEnd.Publish, twin.WaitingForPoetRoundEnd.Target, twin.WaitingForPoetRoundEnd.RoundEnd));
        }
    }

    private async Task<List<string>> ListServicesAsync(int port)
    {
        using var call = new ServerReflection.ServerReflectionClient(_node.Channel(port)).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        return [.. call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).Order(StringComparer.Ordinal)];
    }

    private async Task<IReadOnlyList<FileDescriptor>> ReflectFileAsync(int port, string symbol)
    {
        using var call = new ServerReflection.ServerReflectionClient(_node.Channel(port)).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = symbol });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        var protos = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto;
        return FileDescriptor.BuildFromByteStrings(protos.Reverse());
    }

    private static async Task<JsonElement> PostJsonAsync(HttpClient http, string path)
    {
        using var content = new StringContent("{}");
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static Task Eventually(Func<Task<bool>> condition, string what) => PostFleet.Testing.Eventually.UntilAsync(condition, what, (TimeSpan?)null);
}
