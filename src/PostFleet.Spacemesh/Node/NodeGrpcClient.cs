using System.Runtime.CompilerServices;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Core.Timeline;
using Spacemesh.V1;
using Spacemesh.V2Alpha1;
using NodeServiceV1 = Spacemesh.V1.NodeService;

namespace PostFleet.Spacemesh.Node;

/// <summary>
/// <see cref="INodeClient"/> over the node's gRPC listeners: PostInfoService on the post listener; Mesh, Node,
/// Activation and v2alpha1 Network on the public one; AdminService on the private one.
/// </summary>
/// <remarks>
/// Every unary call is limited by <see cref="NodeClientOptions.CallTimeout"/>; every failure surfaces as a
/// <see cref="NodeUnavailableException"/> naming the listener. Thread safety: all members may be called
/// concurrently (gRPC channels are thread-safe and the client keeps no other state).
/// </remarks>
public sealed class NodeGrpcClient : INodeClient, IDisposable
{
    private readonly GrpcChannel[] _channels;
    private readonly NodeCall _post;
    private readonly NodeCall _public;
    private readonly NodeCall _private;
    private readonly PostInfoService.PostInfoServiceClient _postInfo;
    private readonly NetworkService.NetworkServiceClient _network;
    private readonly MeshService.MeshServiceClient _mesh;
    private readonly ActivationService.ActivationServiceClient _activation;
    private readonly NodeServiceV1.NodeServiceClient _node;
    private readonly AdminService.AdminServiceClient _admin;
    private readonly IdentityRows _identityRows = new();
    private readonly ILogger _logger;

    public NodeGrpcClient(NodeSpec node, NodeClientOptions? options = null, TimeProvider? timeProvider = null, ILogger<NodeGrpcClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        options ??= NodeClientOptions.Default;
        var time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<NodeGrpcClient>.Instance;

        (GrpcChannel Channel, NodeCall Call) Open(NodeListener listener, Uri configured)
        {
            var address = NodeChannels.Address(listener, configured, node.Tls);
            return (NodeChannels.Create(address, node.Tls, options), new NodeCall(listener, address, time, options.CallTimeout));
        }

        var post = Open(NodeListener.Post, node.PostListener);
        var @public = Open(NodeListener.Public, node.PublicListener);
        var @private = Open(NodeListener.Private, node.PrivateListener);
        _channels = [post.Channel, @public.Channel, @private.Channel];
        (_post, _public, _private) = (post.Call, @public.Call, @private.Call);

        _postInfo = new PostInfoService.PostInfoServiceClient(post.Channel);
        _network = new NetworkService.NetworkServiceClient(@public.Channel);
        _mesh = new MeshService.MeshServiceClient(@public.Channel);
        _activation = new ActivationService.ActivationServiceClient(@public.Channel);
        _node = new NodeServiceV1.NodeServiceClient(@public.Channel);
        _admin = new AdminService.AdminServiceClient(@private.Channel);
    }

    public async Task<IReadOnlyList<IdentityState>> GetPostStatesAsync(CancellationToken cancellationToken)
    {
        const string Method = "PostInfoService.PostStates";
        var response = await _post.RunAsync(Method, o => _postInfo.PostStatesAsync(new PostStatesRequest(), o), cancellationToken).ConfigureAwait(false);
        try
        {
            return PostStatesMapping.ToIdentityStates(response, _identityRows);
        }
        catch (FormatException ex)
        {
            throw _post.Failure(Method, $"returned an unusable answer: {ex.Message}", ex);
        }
    }

    public async Task<NetworkClock> GetNetworkClockAsync(CancellationToken cancellationToken)
    {
        try
        {
            var info = await _public.RunAsync("NetworkService.Info", o => _network.InfoAsync(new NetworkInfoRequest(), o), cancellationToken).ConfigureAwait(false);
            return Checked("NetworkService.Info", WireTime.Time(info.GenesisTime), WireTime.Span(info.LayerDuration), info.LayersPerEpoch);
        }
        catch (NodeUnavailableException ex) when (ex.Status == StatusCode.Unimplemented)
        {
            // Nodes before v1.5 have no v2alpha1 NetworkService; MeshService has the same facts, in whole seconds.
            _logger.LogDebug("v2alpha1 NetworkService.Info is not served by {Address}; reading the clock from MeshService", _public.Address);
            return await GetMeshClockAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<byte[]> GetHighestAtxIdAsync(CancellationToken cancellationToken)
    {
        const string Method = "ActivationService.Highest";
        var response = await _public.RunAsync(Method, o => _activation.HighestAsync(new Empty(), o), cancellationToken).ConfigureAwait(false);
        var id = response.Atx?.Id?.Id;
        return id is { Length: NodeId.Length }
            ? id.ToByteArray()
            : throw _public.Failure(Method, $"returned an ATX id of {id?.Length ?? 0} bytes, expected {NodeId.Length}");
    }

    public async Task<NodeHealth> GetHealthAsync(CancellationToken cancellationToken)
    {
        var status = _public.RunAsync("NodeService.Status", o => _node.StatusAsync(new StatusRequest(), o), cancellationToken);
        var version = GetVersionAsync(cancellationToken);
        var node = (await status.ConfigureAwait(false)).Status ?? new NodeStatus();
        return new NodeHealth(node.IsSynced, node.TopLayer?.Number ?? 0, node.ConnectedPeers, await version.ConfigureAwait(false));
    }

    public async Task<bool> IsSyncedAsync(CancellationToken cancellationToken)
    {
        var response = await _public.RunAsync("NodeService.Status", o => _node.StatusAsync(new StatusRequest(), o), cancellationToken).ConfigureAwait(false);
        return response.Status?.IsSynced ?? false;
    }

    /// <remarks>
    /// No timeout: the stream lives as long as the node does. A dead connection is found by the HTTP/2 keepalive
    /// pings (<see cref="NodeClientOptions.KeepAlivePingDelay"/>), and ends the enumeration with an exception.
    /// The enumeration ends normally when the node closes the stream (it does so on shutdown).
    /// </remarks>
    public IAsyncEnumerable<NodeEvent> StreamEventsAsync(CancellationToken cancellationToken) => StreamEventsAsync(static () => { }, cancellationToken);

    /// <inheritdoc cref="INodeClient.StreamEventsAsync(Action, CancellationToken)"/>
    public async IAsyncEnumerable<NodeEvent> StreamEventsAsync(Action subscribed, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const string Method = "AdminService.EventsStream";
        using var call = _admin.EventsStream(new EventStreamRequest(), cancellationToken: cancellationToken);
        var headers = true;
        while (true)
        {
            Event next;
            try
            {
                if (headers)
                {
                    // The node sends its (empty) header once it has subscribed us; the replay follows it.
                    await call.ResponseHeadersAsync.ConfigureAwait(false);
                    headers = false;
                    subscribed();
                }

                if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }

                next = call.ResponseStream.Current;
            }
            catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw _private.Failure(Method, $"failed: {ex.StatusCode} {ex.Status.Detail}".TrimEnd(), ex, ex.StatusCode);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The node ends the stream with CANCELLED ("buffer is full") when we lag; the channel reports any
                // CANCELLED status as a cancellation, but this one is the node's, not ours.
                throw _private.Failure(Method, "was cancelled by the node (a client that lags 1000 events is cut off)", ex, StatusCode.Cancelled);
            }
            catch (RpcException ex) when (cancellationToken.IsCancellationRequested)
            {
                // Our cancellation can race the read: HTTP/2 then reports the reset stream as an aborted request
                // (UNAVAILABLE) instead of a cancellation. The caller asked to stop, so it is told it stopped.
                throw new OperationCanceledException("the node's event stream was stopped", ex, cancellationToken);
            }

            yield return NodeEventMapping.ToNodeEvent(next);
        }
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    private async Task<NetworkClock> GetMeshClockAsync(CancellationToken cancellationToken)
    {
        var genesis = _public.RunAsync("MeshService.GenesisTime", o => _mesh.GenesisTimeAsync(new GenesisTimeRequest(), o), cancellationToken);
        var layer = _public.RunAsync("MeshService.LayerDuration", o => _mesh.LayerDurationAsync(new LayerDurationRequest(), o), cancellationToken);
        var epoch = _public.RunAsync("MeshService.EpochNumLayers", o => _mesh.EpochNumLayersAsync(new EpochNumLayersRequest(), o), cancellationToken);
        await Task.WhenAll(genesis, layer, epoch).ConfigureAwait(false);
        return Checked(
            "MeshService",
            WireTime.UnixSeconds((await genesis.ConfigureAwait(false)).Unixtime?.Value ?? 0),
            WireTime.Seconds((await layer.ConfigureAwait(false)).Duration?.Value ?? 0),
            (await epoch.ConfigureAwait(false)).Numlayers?.Number ?? 0);
    }

    private NetworkClock Checked(string method, DateTimeOffset? genesis, TimeSpan? layerDuration, uint layersPerEpoch)
    {
        // Zeroes would make every later timeline computation divide by zero; better to fail here, naming the call.
        if (genesis is null || layerDuration is not { Ticks: > 0 } || layersPerEpoch == 0)
        {
            throw _public.Failure(method, $"returned an incomplete clock (genesis {genesis}, layer {layerDuration}, layers per epoch {layersPerEpoch})");
        }

        return new NetworkClock(genesis.Value, layerDuration.Value, layersPerEpoch);
    }

    /// <summary>The version is informative only: a node that does not tell it is still healthy.</summary>
    private async Task<string?> GetVersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            var version = await _public.RunAsync("NodeService.Version", o => _node.VersionAsync(new Empty(), o), cancellationToken).ConfigureAwait(false);
            return version.VersionString?.Value;
        }
        catch (NodeUnavailableException ex)
        {
            _logger.LogDebug(ex, "node version unknown");
            return null;
        }
    }
}
