using System.Text.RegularExpressions;
using PostFleet.Storage;
using PostFleet.Testing;

namespace PostFleet.EndToEnd.Tests;

/// <summary>
/// Runs `postfleet demo` once, as a user would, for three complete epochs, with a headless browser watching the
/// dashboard while it runs; the tests then read what happened from the simulators' records.
/// </summary>
public sealed partial class DemoRun : IAsyncLifetime
{
    public const int Epochs = 3;

    /// <summary>
    /// Slower than the demo's default 20: here two demos, a browser and the other test lanes share two cores, and
    /// at x20 (a 21 s cycle gap for ten identities, max-pow 2) a starved machine delivered a proof after its gap
    /// closed, which by the node's rule skips that identity's next PoET round and so breaks the consecutive epochs.
    /// </summary>
    public const int TimeScale = 15;

    private readonly TempDirectory _dir = new("pf-demo");

    public string Root => _dir.Path;

    public int ExitCode { get; private set; }

    public string Output { get; private set; } = "";

    public IReadOnlyList<RecordLine> Node { get; private set; } = [];

    public IReadOnlyList<RecordLine> Host { get; private set; } = [];

    public DashboardSeen? Dashboard { get; private set; }

    public Exception? DashboardError { get; private set; }

    public async Task InitializeAsync()
    {
        await using var demo = ChildProcess.StartPostfleet(
            ["demo", "--dir", Root, "--epochs", Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--time-scale", TimeScale.ToString(System.Globalization.CultureInfo.InvariantCulture), "--listen", "http://127.0.0.1:0"],
            logPath: Path.Combine(Path.GetTempPath(), $"pf-demo-{Environment.ProcessId}.log"));
        try
        {
            await demo.WaitForOutputAsync("dashboard: ", TimeSpan.FromMinutes(4));
            var url = new Uri(DashboardUrl().Match(demo.StandardOutput).Groups[1].Value);
            Dashboard = await DashboardSeen.WatchAsync(url);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            DashboardError = ex;
        }

        ExitCode = await demo.WaitForExitAsync(TimeSpan.FromMinutes(12));
        Output = demo.StandardOutput + demo.StandardError;
        Node = RecordLine.Read(Path.Combine(Root, "node", "sim-record.jsonl"));
        Host = RecordLine.Read(Path.Combine(Root, "disks", ".postfleet-sim", "record.jsonl"));
    }

    /// <summary>The daemon's decisions about <paramref name="service"/> from <paramref name="from"/> to <paramref name="to"/>, oldest first.</summary>
    public IReadOnlyList<string> Decisions(string service, DateTimeOffset from, DateTimeOffset to)
    {
        var path = Path.Combine(Root, "state", "history.db");
        return File.Exists(path)
            ? [.. new HistoryReader(path).Read(h => h.Decisions(service, int.MaxValue))
                .Where(d => d.At >= from && d.At <= to)
                .OrderBy(d => d.At)
                .Select(d => $"{d.At:HH:mm:ss.fff} {d.What}: {d.Detail}")]
            : [$"(no history at {path})"];
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    [GeneratedRegex(@"dashboard: (http://\S+?)/? ")]
    private static partial Regex DashboardUrl();
}

[CollectionDefinition(nameof(DemoRun))]
public sealed class DemoRunCollection : ICollectionFixture<DemoRun>;
