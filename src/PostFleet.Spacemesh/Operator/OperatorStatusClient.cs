using System.Net;
using System.Net.Sockets;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;

namespace PostFleet.Spacemesh.Operator;

/// <summary>
/// <see cref="IPostStatusClient"/> over post-service's operator HTTP API: <c>GET http://ADDRESS/status</c>.
/// Never throws for a service that does not answer properly; that is <see cref="ServiceStatus.Unreachable"/> with
/// the reason. Thread safety: one instance serves concurrent calls for any number of services.
/// </summary>
public sealed class OperatorStatusClient : IPostStatusClient, IDisposable
{
    /// <summary>
    /// A healthy service answers in milliseconds. A slow answer is either a hung service or one building its RandomX
    /// dataset (which holds the lock /status needs); both mean "no answer now", and a reconcile pass must not wait.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;

    public OperatorStatusClient(TimeProvider? timeProvider = null, TimeSpan? timeout = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _timeout = timeout ?? DefaultTimeout;

        // HttpClient's own timeout reads the wall clock; ours comes from the TimeProvider, so it is disabled here.
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = _timeout, UseProxy = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<ServiceStatus> GetStatusAsync(string operatorAddress, CancellationToken cancellationToken)
    {
        // On the thread pool from here: a request does much of its sending before its first wait, and the daemon
        // starts a hundred at once (a live run each), which inline held its pass for milliseconds at 1,000 identities.
        // Not Task.Yield: that goes back to the caller's synchronization context (the daemon's loop thread).
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        Uri url;
        try
        {
            url = StatusUrl(operatorAddress);
        }
        catch (UriFormatException)
        {
            return new ServiceStatus.Unreachable($"invalid operator address '{operatorAddress}'");
        }

        using var timer = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK
                ? OperatorStatusParser.Parse(body)
                : new ServiceStatus.Unreachable($"HTTP {(int)response.StatusCode} {response.ReasonPhrase} from {url}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ServiceStatus.Unreachable($"no answer from {url} within {_timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return new ServiceStatus.Unreachable($"{Describe(ex)} ({url})");
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// post-service takes an IP:port literal (127.0.0.1:50051, [::1]:50051). A wildcard bind address is dialled on
    /// loopback, where the service listens too.
    /// </summary>
    internal static Uri StatusUrl(string operatorAddress)
    {
        var address = operatorAddress.Contains("://", StringComparison.Ordinal) ? operatorAddress : "http://" + operatorAddress;
        var builder = new UriBuilder(address) { Path = "/status" };
        builder.Host = builder.Host switch
        {
            "0.0.0.0" => "127.0.0.1",
            "[::]" => "[::1]",
            var host => host,
        };
        return builder.Uri;
    }

    private static string Describe(HttpRequestException ex) => ex.InnerException switch
    {
        SocketException socket => $"connection failed: {socket.SocketErrorCode}",
        { } inner => $"{ex.Message} {inner.Message}",
        null => ex.Message,
    };
}
