using Grpc.Core;
using Grpc.Reflection;
using ReflectionV1 = Grpc.Reflection.V1;
using ReflectionV1Alpha = Grpc.Reflection.V1Alpha;

namespace PostFleet.Simulator.Node;

/// <summary>
/// Server reflection (v1alpha, what grpcurl falls back to) listing only the services of one listener, like the
/// reflection service registered on each of the node's grpc-go servers.
/// </summary>
public sealed class ListenerReflectionV1Alpha<TListener> : ReflectionV1Alpha.ServerReflection.ServerReflectionBase
    where TListener : IListenerKind
{
    private readonly ReflectionServiceImpl _inner = new([.. TListener.Services, ReflectionV1Alpha.ServerReflection.Descriptor, ReflectionV1.ServerReflection.Descriptor]);

    public override Task ServerReflectionInfo(
        IAsyncStreamReader<ReflectionV1Alpha.ServerReflectionRequest> requestStream,
        IServerStreamWriter<ReflectionV1Alpha.ServerReflectionResponse> responseStream,
        ServerCallContext context) => _inner.ServerReflectionInfo(requestStream, responseStream, context);
}

/// <summary>The same listing on grpc.reflection.v1, which grpcurl tries first.</summary>
public sealed class ListenerReflectionV1<TListener> : ReflectionV1.ServerReflection.ServerReflectionBase
    where TListener : IListenerKind
{
    private readonly ReflectionV1ServiceImpl _inner = new([.. TListener.Services, ReflectionV1Alpha.ServerReflection.Descriptor, ReflectionV1.ServerReflection.Descriptor]);

    public override Task ServerReflectionInfo(
        IAsyncStreamReader<ReflectionV1.ServerReflectionRequest> requestStream,
        IServerStreamWriter<ReflectionV1.ServerReflectionResponse> responseStream,
        ServerCallContext context) => _inner.ServerReflectionInfo(requestStream, responseStream, context);
}
