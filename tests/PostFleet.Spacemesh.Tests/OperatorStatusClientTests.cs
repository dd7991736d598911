using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Core.Model;
using PostFleet.Spacemesh.Operator;
using PostFleet.Testing;

namespace PostFleet.Spacemesh.Tests;

public sealed class OperatorStatusClientTests : IAsyncLifetime
{
    private readonly OperatorStatusClient _client = new();
    private WebApplication? _app;
    private string _address = "";
    private Func<HttpContext, Task> _answer = _ => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        var port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        _app = builder.Build();
        _app.MapGet("/status", context => _answer(context));
        await _app.StartAsync();
        _address = $"127.0.0.1:{port}";
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private void Answer(string json) => _answer = context =>
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json);
    };

    [Fact]
    public async Task Reads_the_three_states()
    {
        Answer("\"Idle\"");
        Assert.Equal(new ServiceStatus.Idle(), await _client.GetStatusAsync(_address, CancellationToken.None));

        Answer("{\"Proving\":{\"nonces\":{\"start\":16,\"end\":32},\"position\":1048576}}");
        Assert.Equal(new ServiceStatus.Proving(16, 32, 1048576), await _client.GetStatusAsync(_address, CancellationToken.None));

        Answer("\"DoneProving\"");
        Assert.Equal(new ServiceStatus.DoneProving(), await _client.GetStatusAsync(_address, CancellationToken.None));
    }

    [Fact]
    public async Task A_body_it_cannot_read_is_reported_as_such_at_once_not_as_no_answer()
    {
        Answer("{\"state\":\"PROVING\"}");

        var status = Assert.IsType<ServiceStatus.Unrecognised>(await _client.GetStatusAsync(_address, CancellationToken.None));

        Assert.Equal("{\"state\":\"PROVING\"}", status.Body);
    }

    [Fact]
    public async Task An_error_status_is_unreachable_with_the_code()
    {
        _answer = context =>
        {
            context.Response.StatusCode = 404;
            return Task.CompletedTask;
        };

        var status = Assert.IsType<ServiceStatus.Unreachable>(await _client.GetStatusAsync(_address, CancellationToken.None));

        Assert.StartsWith("HTTP 404", status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nothing_listening_is_unreachable()
    {
        var status = Assert.IsType<ServiceStatus.Unreachable>(await _client.GetStatusAsync($"127.0.0.1:{FreePorts.Next()}", CancellationToken.None));

        Assert.Contains("ConnectionRefused", status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_socket_that_accepts_but_never_answers_times_out_as_unreachable()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepting = silent.AcceptTcpClientAsync();
        var address = $"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";

        // The client's own clock: the answer comes when its 2 s have passed on it, and not before.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var client = new OperatorStatusClient(time);
        var call = client.GetStatusAsync(address, CancellationToken.None);
        using var connection = await accepting.WaitAsync(TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(call.IsCompleted, "answered before its timeout");

        time.Advance(TimeSpan.FromSeconds(0.1));
        var status = Assert.IsType<ServiceStatus.Unreachable>(await call.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal($"no answer from http://{address}/status within 2 s", status.Reason);
    }

    [Fact]
    public async Task The_callers_cancellation_stays_a_cancellation()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => _client.GetStatusAsync($"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}", cancel.Token));
    }

    [Theory]
    [InlineData("127.0.0.1:50051", "http://127.0.0.1:50051/status")]
    [InlineData("0.0.0.0:50051", "http://127.0.0.1:50051/status")]
    [InlineData("[::1]:50051", "http://[::1]:50051/status")]
    [InlineData("[::]:50051", "http://[::1]:50051/status")]
    [InlineData("http://10.0.0.5:50051", "http://10.0.0.5:50051/status")]
    public void Status_url(string operatorAddress, string url) =>
        Assert.Equal(new Uri(url), OperatorStatusClient.StatusUrl(operatorAddress));
}
