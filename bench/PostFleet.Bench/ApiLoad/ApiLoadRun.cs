using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;

namespace PostFleet.Bench.ApiLoad;

/// <summary>
/// `postfleet bench api-load`: the dashboard API and the event stream under many concurrent clients while a
/// simulated fleet proves (`postfleet demo` in a child process, so its memory is the daemon's). Reports p50/p99 per
/// endpoint, errors, the daemon's resident memory before and after, and whether the reconcile loop kept its pace
/// and every proof of the run was delivered. Only 127.0.0.1; bounded in time and count; stops by itself. Not part
/// of CI: its figures are timing goals, which live in bench/.
/// </summary>
public static class ApiLoadRun
{
    private static readonly TimeProvider Time = TimeProvider.System;

    private static readonly string[] Reads =
    [
        "/api/v1/fleet", "/api/v1/services", "/api/v1/services/{name}", "/api/v1/services/{name}/log?lines=200",
        "/api/v1/history?limit=100", "/api/v1/forecast", "/api/v1/alerts", "/metrics", "/",
    ];

    /// <summary>What is wrong with the flags, naming the flag and what would be right; null when they are fine.</summary>
    public static string? Problem(int clients, int seconds, double sseShare) =>
        clients is < 1 or > 2000 ? $"--clients {clients}: use a whole number from 1 to 2000"
        : seconds is < 1 or > 3600 ? $"--seconds {seconds}: use a whole number from 1 to 3600"
        : sseShare is < 0 or > 1 || double.IsNaN(sseShare) ? $"--sse-share {sseShare.ToString(CultureInfo.InvariantCulture)}: use a fraction from 0 to 1"
        : null;

    /// <param name="postfleet">The postfleet executable that runs the demo (this one).</param>
    public static async Task<int> RunAsync(string postfleet, int clients, TimeSpan duration, double sseShare, CancellationToken cancellationToken)
    {
        using var demo = StartDemo(postfleet, out var dashboard, out var steady);
        try
        {
            Console.WriteLine($"starting a simulated fleet (postfleet demo, pid {demo.Id})...");
            var url = await dashboard.Task.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients + 4, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
            {
                BaseAddress = url,
                Timeout = TimeSpan.FromSeconds(30),
            };
            var names = await WaitUntilProvingAsync(http, cancellationToken);
            // The demo's first round is partial (identities initialised after its PoET registration skip it), so the
            // load starts once a whole round was delivered and only full rounds are judged.
            Console.WriteLine($"daemon on {url}; fleet proving ({names.Count} services); waiting for a complete proof round...");
            await steady.Task.WaitAsync(TimeSpan.FromMinutes(6), cancellationToken);
            Console.WriteLine("baseline for 15 s...");

            var rssBefore = ResidentKiB(demo.Id);
            var passBefore = await PassAsync(http, cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(15), Time, cancellationToken);
            var passAtStart = await PassAsync(http, cancellationToken);
            var baselineRate = (passAtStart - passBefore) / 15.0;

            Console.WriteLine($"{clients} clients for {duration.TotalSeconds:0} s ({(int)Math.Round(clients * sseShare)} on the event stream)...");
            var latencies = Reads.ToDictionary(r => r, _ => new List<double>());
            var errors = new Dictionary<string, int>();
            var events = 0L;
            var loadStart = Time.GetUtcNow();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stop.CancelAfter(duration);
            var streamers = (int)Math.Round(clients * sseShare);
            var tasks = Enumerable.Range(0, clients).Select(i => i < streamers
                ? StreamAsync(http, () => Interlocked.Increment(ref events), errors, stop.Token)
                : PollAsync(http, names, i, latencies, errors, stop.Token)).ToList();
            await Task.WhenAll(tasks);
            var loadEnd = Time.GetUtcNow();
            var passAtEnd = await PassAsync(http, cancellationToken);
            var rssAfter = ResidentKiB(demo.Id);

            Console.WriteLine();
            Console.WriteLine($"{"endpoint",-40} {"requests",9} {"p50 ms",8} {"p99 ms",8} {"max ms",8}");
            foreach (var (endpoint, samples) in latencies.Where(l => l.Value.Count > 0))
            {
                samples.Sort();
                Console.WriteLine($"{endpoint,-40} {samples.Count,9} {Percentile(samples, 0.50),8:0.0} {Percentile(samples, 0.99),8:0.0} {samples[^1],8:0.0}");
            }

            Console.WriteLine($"event stream: {streamers} clients, {events} events received");
            Console.WriteLine($"errors: {(errors.Count == 0 ? "none" : string.Join(", ", errors.Select(e => $"{e.Key} x{e.Value}")))}");
            Console.WriteLine($"daemon memory (VmRSS): {rssBefore / 1024.0:0.0} MiB before, {rssAfter / 1024.0:0.0} MiB after");
            Console.WriteLine($"reconcile passes during the load: {passAtEnd - passAtStart} (at the idle pace before it: {baselineRate * duration.TotalSeconds:0}; passes are triggered by node events and timers, so fewer is not by itself a miss)");

            Console.WriteLine("waiting for the proof rounds that ran during the load to close...");
            var (epochs, missed) = await ProofRoundsAsync(http, names.Count, loadStart, loadEnd, cancellationToken);
            Console.WriteLine($"proof rounds during the load: {string.Join(", ", epochs.Select(e => $"{e.Key}: {e.Value}/{names.Count} delivered"))}");
            Console.WriteLine(missed > 0 ? $"MISSED: {missed} proof(s) not delivered" : "no proof missed");
            return missed > 0 || errors.Count > 0 ? 1 : 0;
        }
        finally
        {
            if (!demo.HasExited)
            {
                demo.Kill(entireProcessTree: true);
                await demo.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    private static Process StartDemo(string postfleet, out TaskCompletionSource<Uri> dashboard, out TaskCompletionSource firstCompleteRound)
    {
        var found = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var complete = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        dashboard = found;
        firstCompleteRound = complete;
        var info = new ProcessStartInfo(postfleet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "demo", "--listen", $"127.0.0.1:{FreePort()}" })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["NO_COLOR"] = "1";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start postfleet demo");
        process.OutputDataReceived += (_, line) =>
        {
            var at = line.Data?.IndexOf("dashboard: http://", StringComparison.Ordinal) ?? -1;
            if (at >= 0)
            {
                found.TrySetResult(new Uri(line.Data![(at + "dashboard: ".Length)..].Split(' ')[0]));
            }

            if (line.Data?.Contains("proofs delivered", StringComparison.Ordinal) == true)
            {
                complete.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.Exited += (_, _) =>
        {
            found.TrySetException(new InvalidOperationException($"postfleet demo exited ({process.ExitCode}) before serving its dashboard"));
            complete.TrySetException(new InvalidOperationException($"postfleet demo exited ({process.ExitCode}) before a complete proof round"));
        };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<IReadOnlyList<string>> WaitUntilProvingAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var deadline = Time.GetUtcNow() + TimeSpan.FromMinutes(5);
        while (true)
        {
            try
            {
                using var json = JsonDocument.Parse(await http.GetStringAsync("/api/v1/fleet", cancellationToken));
                var services = json.RootElement.GetProperty("services").EnumerateArray().ToList();
                if (services.Any(s => s.GetProperty("phase").GetString() is "k2pow" or "reading"))
                {
                    return [.. services.Select(s => s.GetProperty("name").GetString()!)];
                }
            }
            catch (HttpRequestException)
            {
            }

            if (Time.GetUtcNow() > deadline)
            {
                throw new TimeoutException("the demo fleet did not start proving within 5 minutes");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), Time, cancellationToken);
        }
    }

    private static async Task<long> PassAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var fleet = JsonDocument.Parse(await http.GetStringAsync("/api/v1/fleet", cancellationToken));
        return fleet.RootElement.GetProperty("pass").GetInt64();
    }

    /// <summary>
    /// Every publish epoch with a delivery during the load, and how many identities delivered for it, once each round
    /// is closed: all delivered, or the next round has begun delivering (its gap came, so this one's is over).
    /// </summary>
    private static async Task<(IReadOnlyDictionary<string, int> Epochs, int Missed)> ProofRoundsAsync(
        HttpClient http, int identities, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var deadline = Time.GetUtcNow() + TimeSpan.FromMinutes(3);
        while (true)
        {
            using var history = JsonDocument.Parse(await http.GetStringAsync("/api/v1/history?limit=1000", cancellationToken));
            var deliveries = history.RootElement.EnumerateArray()
                .Where(e => e.GetProperty("kind").GetString() == "delivery")
                .Select(e => (At: e.GetProperty("at").GetDateTimeOffset(), Service: e.GetProperty("service").GetString()!, Epoch: e.GetProperty("detail").GetString()!.Split(',')[0]))
                .ToList();
            var byEpoch = deliveries.GroupBy(d => d.Epoch).ToDictionary(g => g.Key, g => g.Select(d => d.Service).Distinct().Count());
            var during = deliveries.Where(d => d.At >= from && d.At <= to).Select(d => d.Epoch).Distinct()
                .OrderBy(e => e, StringComparer.Ordinal).ToDictionary(e => e, e => byEpoch[e]);
            var open = during.Keys.Where(e => during[e] < identities && !byEpoch.ContainsKey(Next(e))).ToList();
            if (open.Count == 0 || Time.GetUtcNow() > deadline)
            {
                return (during, during.Values.Sum(v => identities - v));
            }

            await Task.Delay(TimeSpan.FromSeconds(2), Time, cancellationToken);
        }
    }

    private static string Next(string epoch) =>
        $"publish epoch {long.Parse(epoch["publish epoch ".Length..], CultureInfo.InvariantCulture) + 1}";

    private static async Task PollAsync(HttpClient http, IReadOnlyList<string> names, int client, Dictionary<string, List<double>> latencies, Dictionary<string, int> errors, CancellationToken stop)
    {
        var local = Reads.ToDictionary(r => r, _ => new List<double>());
        var turn = client;
        while (!stop.IsCancellationRequested)
        {
            var endpoint = Reads[turn++ % Reads.Length];
            var path = endpoint.Replace("{name}", names[turn % names.Count], StringComparison.Ordinal);
            var watch = Stopwatch.StartNew();
            try
            {
                using var response = await http.GetAsync(path, stop);
                await response.Content.LoadIntoBufferAsync(stop);
                if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.NotFound)
                {
                    Count(errors, $"{endpoint} {(int)response.StatusCode}");
                }

                local[endpoint].Add(watch.Elapsed.TotalMilliseconds);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or SocketException)
            {
                Count(errors, $"{endpoint} {ex.GetType().Name}");
            }
        }

        lock (latencies)
        {
            foreach (var (endpoint, samples) in local)
            {
                latencies[endpoint].AddRange(samples);
            }
        }
    }

    private static async Task StreamAsync(HttpClient http, Action received, Dictionary<string, int> errors, CancellationToken stop)
    {
        try
        {
            using var response = await http.GetAsync("/api/v1/events", HttpCompletionOption.ResponseHeadersRead, stop);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
            while (await reader.ReadLineAsync(stop) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    received();
                }
            }

            Count(errors, "events stream ended early");
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            Count(errors, $"events {ex.GetType().Name}");
        }
    }

    private static void Count(Dictionary<string, int> errors, string what)
    {
        lock (errors)
        {
            errors[what] = errors.GetValueOrDefault(what) + 1;
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>VmRSS of the process, KiB, from /proc (0 when it cannot be read).</summary>
    private static long ResidentKiB(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
