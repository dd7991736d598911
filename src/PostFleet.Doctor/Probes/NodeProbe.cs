using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Doctor.Checks;
using PostFleet.Spacemesh.Node;
using Spacemesh.V1;

namespace PostFleet.Doctor.Probes;

/// <summary>Asks the node what each listener serves, its smeshing mode, coinbase, identities and clock. Never throws for a node that does not answer.</summary>
public sealed class NodeProbe : IDisposable
{
    /// <summary>One cheap method per service, for servers without reflection: anything but UNIMPLEMENTED means "served".</summary>
    private static readonly (string Service, string Method)[] ProbeMethods =
    [
        ("spacemesh.v1.PostService", "Register"),
        ("spacemesh.v1.PostInfoService", "PostStates"),
        ("spacemesh.v1.MeshService", "GenesisTime"),
        ("spacemesh.v1.ActivationService", "Highest"),
        ("spacemesh.v1.NodeService", "Version"),
        ("spacemesh.v1.AdminService", "EventsStream"),
        ("spacemesh.v1.SmesherService", "Coinbase"),
    ];

    private static readonly Method<byte[], byte[]>[] Methods = [.. ProbeMethods.Select(p => new Method<byte[], byte[]>(
        MethodType.Unary, p.Service, p.Method, Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b)))];

    private readonly NodeSpec _node;
    private readonly TimeSpan _timeout;
    private readonly Dictionary<NodeListener, (Uri Address, GrpcChannel Channel)> _channels = [];

    public NodeProbe(NodeSpec node, TimeSpan? timeout = null)
    {
        _node = node;
        _timeout = timeout ?? TimeSpan.FromSeconds(3);
        foreach (var (listener, configured) in new[] { (NodeListener.Post, node.PostListener), (NodeListener.Public, node.PublicListener), (NodeListener.Private, node.PrivateListener) })
        {
            var address = DoctorChannels.Address(listener, configured, node.Tls);
            _channels[listener] = (address, DoctorChannels.Create(address, node.Tls, _timeout));
        }
    }

    public async Task<ListenerObservation> ListenerAsync(NodeListener listener, CancellationToken cancellationToken)
    {
        var (address, channel) = _channels[listener];
        try
        {
            return new ListenerObservation(listener, address, await ReflectAsync(channel, cancellationToken).ConfigureAwait(false));
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            return await ProbeMethodsAsync(listener, address, channel, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or HttpRequestException or IOException or InvalidOperationException)
        {
            return new ListenerObservation(listener, address, null, Describe(ex));
        }
    }

    public async Task<SmeshingObservation> SmeshingAsync(CancellationToken cancellationToken)
    {
        var client = new SmesherService.SmesherServiceClient(_channels[NodeListener.Private].Channel);
        string? status;
        bool? smeshing = null;
        string? error = null;
        try
        {
            smeshing = (await client.IsSmeshingAsync(new Empty(), Options(cancellationToken))).IsSmeshing;
            status = "OK";
        }
        catch (RpcException ex) when (ex.StatusCode is not (StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Unimplemented))
        {
            status = ex.StatusCode.ToString();
            error = ex.Status.Detail;
        }
        catch (Exception ex) when (ex is RpcException or HttpRequestException or IOException)
        {
            return new SmeshingObservation(null, null, null, Describe(ex));
        }

        string? coinbase = null;
        try
        {
            coinbase = (await client.CoinbaseAsync(new Empty(), Options(cancellationToken))).AccountId?.Address ?? "";
        }
        catch (Exception ex) when (ex is RpcException or HttpRequestException or IOException)
        {
            error ??= "Coinbase: " + Describe(ex);
        }

        return new SmeshingObservation(status, smeshing, coinbase, error);
    }

    /// <summary>PostStates, or null (with the reason) when the post listener does not answer it.</summary>
    public async Task<(IReadOnlyList<IdentityState>? States, string? Error)> PostStatesAsync(CancellationToken cancellationToken)
    {
        using var client = new NodeGrpcClient(_node, NodeClientOptions.Default with { CallTimeout = _timeout });
        try
        {
            return (await client.GetPostStatesAsync(cancellationToken).ConfigureAwait(false), null);
        }
        catch (NodeUnavailableException ex)
        {
            return (null, ex.Message);
        }
    }

    public async Task<ClockObservation> ClockAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        using var client = new NodeGrpcClient(_node, NodeClientOptions.Default with { CallTimeout = _timeout });
        try
        {
            var clock = await client.GetNetworkClockAsync(cancellationToken).ConfigureAwait(false);
            var mesh = new MeshService.MeshServiceClient(_channels[NodeListener.Public].Channel);
            var layer = (await mesh.CurrentLayerAsync(new CurrentLayerRequest(), Options(cancellationToken))).Layernum?.Number ?? 0;
            return new ClockObservation(clock, layer, time.GetUtcNow());
        }
        catch (Exception ex) when (ex is NodeUnavailableException or RpcException or HttpRequestException or IOException)
        {
            return new ClockObservation(null, null, time.GetUtcNow(), Describe(ex));
        }
    }

    /// <summary>SmesherService.PostConfig (labels per unit, unit range, k1, k2), or null when not answered.</summary>
    public async Task<PostConfigResponse?> PostConfigAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await new SmesherService.SmesherServiceClient(_channels[NodeListener.Private].Channel).PostConfigAsync(new Empty(), Options(cancellationToken));
        }
        catch (Exception ex) when (ex is RpcException or HttpRequestException or IOException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        foreach (var (_, channel) in _channels.Values)
        {
            channel.Dispose();
        }
    }

    private CallOptions Options(CancellationToken cancellationToken) => new(deadline: DateTime.UtcNow + _timeout, cancellationToken: cancellationToken);

    private async Task<IReadOnlyList<string>> ReflectAsync(GrpcChannel channel, CancellationToken cancellationToken)
    {
        var client = new ServerReflection.ServerReflectionClient(channel);
        using var call = client.ServerReflectionInfo(Options(cancellationToken));
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }, cancellationToken).ConfigureAwait(false);
        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        var services = new List<string>();
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var response = call.ResponseStream.Current;
            if (response.ErrorResponse is { } error)
            {
                throw new RpcException(new Status((StatusCode)error.ErrorCode, error.ErrorMessage));
            }

            services.AddRange(response.ListServicesResponse?.Service.Select(s => s.Name) ?? []);
        }

        return services;
    }

    private async Task<ListenerObservation> ProbeMethodsAsync(NodeListener listener, Uri address, GrpcChannel channel, CancellationToken cancellationToken)
    {
        var probes = Methods.Select(async method =>
        {
            try
            {
                using var call = channel.CreateCallInvoker().AsyncUnaryCall(method, null, Options(cancellationToken), []);
                await call.ResponseAsync.ConfigureAwait(false);
                return (method.ServiceName, Served: true, Error: (string?)null);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
            {
                return (method.ServiceName, Served: false, Error: null);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
                return (method.ServiceName, Served: false, Error: Describe(ex));
            }
            catch (RpcException)
            {
                // Any answer but UNIMPLEMENTED (a refused empty request, a stream cut by our deadline) means it is served.
                return (method.ServiceName, Served: true, Error: null);
            }
        });
        var results = await Task.WhenAll(probes).ConfigureAwait(false);
        return results.All(r => r.Error is not null)
            ? new ListenerObservation(listener, address, null, results[0].Error)
            : new ListenerObservation(listener, address, [.. results.Where(r => r.Served).Select(r => r.ServiceName)]);
    }

    private static string Describe(Exception ex) => ex switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        NodeUnavailableException node => node.Message,
        _ => ex.GetBaseException().Message,
    };
}
