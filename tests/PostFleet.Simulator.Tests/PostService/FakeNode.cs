using System.Net;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spacemesh.V1;
using Metadata = Spacemesh.V1.Metadata;

namespace PostFleet.Simulator.Tests.PostService;

/// <summary>
/// The node side of <c>PostService.Register</c>, driven by the test: on every connection it sends a
/// MetadataRequest (as go-spacemesh does), then forwards whatever the test asks with <see cref="AskAsync"/>.
/// </summary>
public sealed class FakeNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<(NodeRequest Request, TaskCompletionSource<ServiceResponse> Reply)> _requests = Channel.CreateUnbounded<(NodeRequest, TaskCompletionSource<ServiceResponse>)>();
    private readonly TaskCompletionSource<Metadata> _metadata = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeNode(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public string Address => $"http://127.0.0.1:{Port}";

    public Task<Metadata> Metadata => _metadata.Task;

    public static async Task<FakeNode> StartAsync()
    {
        var port = Testing.FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        FakeNode? node = null;
        builder.Services.AddSingleton(_ => new RegisterHandler(() => node!));
        var app = builder.Build();
        app.MapGrpcService<RegisterHandler>();
        node = new FakeNode(app, port);
        await app.StartAsync();
        return node;
    }

    /// <summary>Sends one request down the connected stream and returns the service's answer.</summary>
    public async Task<ServiceResponse> AskAsync(NodeRequest request)
    {
        var reply = new TaskCompletionSource<ServiceResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _requests.Writer.WriteAsync((request, reply));
        return await reply.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public Task<ServiceResponse> GenProofAsync(byte[] challenge) =>
        AskAsync(new NodeRequest { GenProof = new GenProofRequest { Challenge = Google.Protobuf.ByteString.CopyFrom(challenge) } });

    public async ValueTask DisposeAsync()
    {
        _requests.Writer.TryComplete();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }

    private sealed class RegisterHandler(Func<FakeNode> node) : Spacemesh.V1.PostService.PostServiceBase
    {
        public override async Task Register(IAsyncStreamReader<ServiceResponse> requestStream, IServerStreamWriter<NodeRequest> responseStream, ServerCallContext context)
        {
            var fake = node();
            await responseStream.WriteAsync(new NodeRequest { Metadata = new MetadataRequest() });
            if (!await requestStream.MoveNext(context.CancellationToken))
            {
                return;
            }

            fake._metadata.TrySetResult(requestStream.Current.Metadata.Meta);
            await foreach (var (request, reply) in fake._requests.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(request);
                if (!await requestStream.MoveNext(context.CancellationToken))
                {
                    reply.TrySetException(new IOException("service closed the stream"));
                    return;
                }

                reply.TrySetResult(requestStream.Current);
            }
        }
    }
}
