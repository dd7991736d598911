using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostFleet.Testing;

/// <summary>
/// Headless Debian Chromium driven over the DevTools protocol (one page target, JSON over a WebSocket):
/// enough to evaluate expressions in the page and take screenshots.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly TempDirectory _profile;
    private ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _send = new(1, 1);
    private Task _receiver = Task.CompletedTask;
    private int _nextId;
    private Uri? _target;

    private Chromium(ChildProcess process, TempDirectory profile)
    {
        _process = process;
        _profile = profile;
    }

    public static string? Executable =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    public static async Task<Chromium> OpenAsync(Uri url, int width, int height)
    {
        var exe = Executable ?? throw new InvalidOperationException("chromium is not installed; run scripts/install-test-deps.sh");
        var profile = new TempDirectory("pf-chromium");
        var port = FreePorts.Next();
        var process = ChildProcess.Start(exe,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
            $"--user-data-dir={profile.Path}", $"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1",
            $"--window-size={width},{height}", url.ToString(),
        ]);
        var browser = new Chromium(process, profile);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            for (var attempt = 1; ; attempt++)
            {
                var target = await Eventually.UntilAsync(async () =>
                {
                    var list = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
                    return list.FirstOrDefault(t => (string?)t!["type"] == "page" && ((string?)t["url"])!.StartsWith(url.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal))
                        ?["webSocketDebuggerUrl"]?.GetValue<string>();
                }, () => $"chromium page target on port {port}; stderr: {process.StandardError}", TimeSpan.FromSeconds(30));
                await browser.AttachAsync(new Uri(target));
                try
                {
                    // A page still settling its first navigation can answer "Not attached to an active page" to a
                    // session opened too early; a new session on the settled page is attached.
                    await browser.SendAsync("Page.enable");
                    return browser;
                }
                catch (InvalidOperationException e) when (attempt < 5 && e.Message.Contains("Not attached", StringComparison.Ordinal))
                {
                    await browser.DetachAsync();
                }
            }
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    private async Task AttachAsync(Uri target)
    {
        _target = target;
        _socket = new ClientWebSocket();
        await _socket.ConnectAsync(target, CancellationToken.None);
        var socket = _socket;
        _receiver = Task.Run(() => ReceiveAsync(socket));
    }

    private async Task DetachAsync()
    {
        _socket.Abort();
        await _receiver;
        _socket.Dispose();
    }

    public async Task<JsonNode?> SendAsync(string method, JsonObject? parameters = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        await _send.WaitAsync();
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            _send.Release();
        }

        return await reply.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Evaluates a JavaScript expression in the page and returns its JSON value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (result?["exceptionDetails"] is { } error)
        {
            throw new InvalidOperationException($"page threw evaluating {expression}: {error.ToJsonString()}");
        }

        return result?["result"]?["value"];
    }

    /// <summary>
    /// Records every Content-Security-Policy violation of the page from its first byte on (the listener is installed
    /// before any of the page's own script runs, then the page is reloaded); read them with <see cref="CspViolationsAsync"/>.
    /// </summary>
    public async Task WatchCspViolationsAsync()
    {
        const string listener = """
            window.__cspViolations = [];
            document.addEventListener('securitypolicyviolation', e =>
              window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));
            """;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SendAsync("Page.enable");
                await SendAsync("Page.addScriptToEvaluateOnNewDocument", new JsonObject { ["source"] = listener });
                await SendAsync("Page.reload", new JsonObject { ["ignoreCache"] = true });
                break;
            }
            catch (InvalidOperationException e) when (attempt < 5 && _target is { } target && e.Message.Contains("Not attached", StringComparison.Ordinal))
            {
                // The page was still settling a navigation (seen on a loaded machine): a new session is attached.
                await DetachAsync();
                await AttachAsync(target);
            }
        }

        await Eventually.UntilAsync(async () => (await EvaluateAsync("Array.isArray(window.__cspViolations) && document.readyState !== 'loading'"))?.GetValue<bool>() == true,
            "the reloaded page with the CSP listener", TimeSpan.FromSeconds(30));
    }

    /// <summary>The violations seen since <see cref="WatchCspViolationsAsync"/>, each as "directive blocked what at where".</summary>
    public async Task<IReadOnlyList<string>> CspViolationsAsync() =>
        [.. (await EvaluateAsync("window.__cspViolations ?? ['the CSP listener is not installed']"))!.AsArray().Select(v => v!.GetValue<string>())];

    /// <summary>Captures the whole page (not just the window) as PNG.</summary>
    public async Task ScreenshotAsync(string path, int width)
    {
        var height = (int)(await EvaluateAsync("Math.ceil(document.documentElement.scrollHeight)"))!.GetValue<double>();
        await SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false });
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String((string)shot!["data"]!));
    }

    private async Task ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var part = await socket.ReceiveAsync(buffer, _stop.Token);
                if (part.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage)
                {
                    continue;
                }

                var node = JsonNode.Parse(message.ToArray());
                message.SetLength(0);
                // Replies carry our id; events (no id) are not needed by these tests.
                if (node?["id"] is { } id && _pending.TryRemove(id.GetValue<int>(), out var reply))
                {
                    if (node["error"] is { } error)
                    {
                        reply.TrySetException(new InvalidOperationException(error.ToJsonString()));
                    }
                    else
                    {
                        reply.TrySetResult(node["result"]);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or JsonException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _receiver;
        }
        catch (OperationCanceledException)
        {
        }

        _socket.Dispose();
        await _process.DisposeAsync();
        _profile.Dispose();
        _stop.Dispose();
        _send.Dispose();
    }
}
