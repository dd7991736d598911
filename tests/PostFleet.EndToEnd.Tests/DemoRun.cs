using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
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
        if (!File.Exists(path))
        {
            return [$"(no history at {path})"];
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT at, code, message FROM decisions WHERE service = $s ORDER BY id";
        command.Parameters.AddWithValue("$s", service);
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            var at = DateTimeOffset.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture);
            if (at >= from && at <= to)
            {
                lines.Add($"{at:HH:mm:ss.fff} {reader.GetString(1)}: {reader.GetString(2)}");
            }
        }

        return lines;
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
