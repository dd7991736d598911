using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PostFleet.Simulator.PostService;
using PostFleet.Testing;
using Spacemesh.V1;

namespace PostFleet.Simulator.Tests.PostService;

/// <summary>
/// A k2pow-service's 500 as the real post-service shows it (post-rs src/prove.rs <c>Prover8_56::new</c> unwraps the
/// remote result; service/src/service.rs <c>check_finished</c> re-raises the panic and poisons the mutex;
/// service/src/main.rs unwraps the client task's result): /status is dropped without an answer, and the node's next
/// GenProof ends the process with a panic, exit code 101. Not the sticky Done(Err) of a proof that returned an error.
/// </summary>
public sealed class RemoteK2PowFailureTests
{
    private static readonly byte[] Challenge = [.. Enumerable.Repeat((byte)0xAA, 32)];

    [Fact]
    public async Task A_500_panics_the_proving_thread_then_the_status_handler_then_the_process()
    {
        await using var worker = await FailingWorker.StartAsync();
        using var host = new SimHostFolder();
        var dir = Path.Combine(host.Disk("diskA", readBytesPerSecond: 1 << 20), "post1");
        SimHostFolder.WriteData(dir, numUnits: 4);
        await using var node = await FakeNode.StartAsync();
        var operatorPort = FreePorts.Next();
        await using var service = PostServiceProcess.Start(host, "-a", node.Address, "--operator-address", $"127.0.0.1:{operatorPort}", "-d", dir,
            "--nonces", "32", "--remote-k2pow", worker.Url, "--remote-k2pow-backoff", "1");

        Assert.Equal(GenProofStatus.Ok, (await node.GenProofAsync(Challenge)).GenProof.Status);
        await Eventually.UntilAsync(() => worker.Asked >= 1, "the service to ask the worker for a nonce group");
        await Eventually.UntilAsync(() => service.StandardError.Contains("panicked at src/prove.rs", StringComparison.Ordinal), "the proving thread's panic");
        Assert.Contains("Internal(", service.StandardError, StringComparison.Ordinal);

        // Every /status from now on panics in the handler: the connection closes without an answer.
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => PostServiceProcess.StatusAsync(operatorPort));
        }

        Assert.False(service.HasExited);
        _ = node.GenProofAsync(Challenge); // never answered: the process ends
        Assert.Equal(ProvingService.RustPanicExitCode, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("thread 'main' panicked", service.StandardError, StringComparison.Ordinal);
    }

    /// <summary>A k2pow-service that fails every job, as a real one does when its RandomX set-up or search errs.</summary>
    private sealed class FailingWorker(WebApplication app, int port) : IAsyncDisposable
    {
        private int _asked;

        public string Url => $"http://127.0.0.1:{port}";

        public int Asked => Volatile.Read(ref _asked);

        public static async Task<FailingWorker> StartAsync()
        {
            var port = FreePorts.Next();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
            var app = builder.Build();
            var worker = new FailingWorker(app, port);
            app.MapGet("/job/{**rest}", () =>
            {
                Interlocked.Increment(ref worker._asked);
                return Results.Text("randomx failed", statusCode: StatusCodes.Status500InternalServerError);
            });
            await app.StartAsync();
            return worker;
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }
}
