using System.Text.Json.Nodes;
using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>
/// The history's disk fills up under a running daemon: proving goes on, the fleet view, the alerts and the log say
/// so, and once there is room again every row kept meanwhile is written and the alert resolves.
/// </summary>
public sealed class HistoryFullDiskTests
{
    [Fact]
    public async Task A_full_history_disk_does_not_stop_proving_is_reported_and_writing_resumes_when_space_returns()
    {
        await using var fleet = await SimFleet.CreateAsync(new SimFleetOptions { Services = [("a1", "diskA"), ("b1", "diskB")] });
        var historyDir = Path.Combine(fleet.Root, "history-fs");
        Directory.CreateDirectory(historyDir);
        File.WriteAllText(fleet.FleetConfig, fleet.Yaml() + $"history:\n  path: {historyDir}/history.db\n");
        await fleet.StartNodeAsync();

        // The daemon runs in a mount namespace of its own with its history on a 4 MiB tmpfs there: a disk that
        // really fills up (root ignores file modes, not ENOSPC), seen by nobody else and gone with the process.
        await using var daemon = ChildProcess.Start(
            "unshare",
            ["--mount", "--propagation", "private", "sh", "-c", "mount -t tmpfs -o size=4m postfleet-history \"$0\" && exec \"$1\" run -c \"$2\" --listen \"$3\"", historyDir, RepoPaths.PostfleetExecutable, fleet.FleetConfig, DaemonApi.ListenArgument],
            fleet.Root,
            fleet.DaemonLog);
        int Proofs(string service) => fleet.Delivered(service).Count(d => d.Kind == "nipost");
        using var http = await DaemonApi.ConnectAsync(daemon);
        var history = $"/proc/{daemon.Id}/root{historyDir}";
        await Eventually.UntilAsync(async () => (await HistoryView(http))?["lastWrite"] is not null, () => "a first history write; " + fleet.Describe(), Eventually.DefaultTimeout);

        // Fill the disk.
        var filler = Path.Combine(history, "filler");
        await using (var fill = new FileStream(filler, FileMode.CreateNew))
        {
            var chunk = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    fill.Write(chunk);
                    fill.Flush();
                }
            }
            catch (IOException)
            {
                // ENOSPC: the history's file system is full.
            }
        }

        var fault = await Eventually.UntilAsync(async () => await HistoryView(http) is { } h && (bool?)h["writable"] == false ? h : null, () => "the fleet view to report the history fault; " + fleet.Describe());
        Assert.Contains("full", (string?)fault["fault"], StringComparison.OrdinalIgnoreCase);
        var alert = await Eventually.UntilAsync(async () => (await Alerts(http))["open"]!.AsArray().FirstOrDefault(a => (string?)a!["kind"] == "history-fault"), "a history-fault alert");
        Assert.Equal("warning", (string?)alert!["severity"]);
        Assert.Contains("proving goes on", (string?)alert["summary"], StringComparison.Ordinal);

        // Proving goes on: both identities deliver another proof while nothing can be written.
        var before = new[] { "a1", "b1" }.ToDictionary(s => s, Proofs);
        await Eventually.UntilAsync(() => before.All(b => Proofs(b.Key) > b.Value), () => "a delivery of a1 and of b1 during the fault; " + fleet.Describe(), TimeSpan.FromSeconds(120));
        var faultSince = DateTimeOffset.Parse((string)fault["faultSince"]!, System.Globalization.CultureInfo.InvariantCulture);
        var stillFull = await HistoryView(http);
        Assert.False((bool?)stillFull!["writable"]);
        Assert.True((int?)stillFull["rowsPending"] > 0);
        Assert.Contains("history: writes fail", FleetLog(fleet), StringComparison.Ordinal);

        // While the disk is full the file may still take a commit now and then: once the WAL has been copied into
        // the file (WalCheckpointer, every 10 s) SQLite writes the next commits over the WAL's old frames, which needs
        // no new space, so the alert may truthfully resolve and fire again. What may not happen: a firing without a
        // resolve between, or any firing once the space is back.
        var firedWhileFull = HistoryFaultChanges(await Alerts(http)).Count(resolved => !resolved);
        File.Delete(filler);

        await Eventually.UntilAsync(async () => (bool?)(await HistoryView(http))!["writable"] == true, () => "the history to take writes again; " + fleet.Describe(), Eventually.DefaultTimeout);
        var changes = await Eventually.UntilAsync(async () => await Alerts(http) is var a && HistoryFaultChanges(a) is [.., true] ? a : null, "the history-fault alert to resolve");
        Assert.DoesNotContain(changes["open"]!.AsArray(), a => (string?)a!["kind"] == "history-fault");
        var sequence = HistoryFaultChanges(changes);
        Assert.True(sequence.Select((resolved, i) => resolved == (i % 2 == 1)).All(alternates => alternates), $"history-fault changes, oldest first (true: resolved): {string.Join(", ", sequence)}");
        Assert.True(firedWhileFull >= 1 && sequence.Count(resolved => !resolved) == firedWhileFull, $"fired while the disk was full: {firedWhileFull}; in all: {string.Join(", ", sequence)}");
        var resumed = (await HistoryView(http))!;
        Assert.Equal(0, (long?)resumed["rowsLost"]);

        // What happened during the fault reached the file once it had room: the delivery made then is in it (read
        // through the API: SQLite resolves /proc/<pid>/root to this namespace's root, so the test cannot open it).
        var delivered = JsonNode.Parse(await http.GetStringAsync("/api/v1/history?service=a1&limit=1000"))!.AsArray().Where(e => (string?)e!["kind"] == "delivery");
        Assert.Contains(delivered, d => DateTimeOffset.Parse((string)d!["at"]!, System.Globalization.CultureInfo.InvariantCulture) >= faultSince);
        // Said by the loop's next flush after the file took a write (which may have been an API read's flush).
        await Eventually.UntilAsync(() => FleetLog(fleet).Contains("history: writes work again", StringComparison.Ordinal), () => "the daemon to log that history writes work again; " + fleet.Describe(), Eventually.DefaultTimeout);
    }

    private static async Task<JsonNode?> HistoryView(HttpClient http) => (await DaemonApi.FleetAsync(http))?["history"];

    /// <summary>The history-fault alert's changes, oldest first: true for a resolve, false for a firing.</summary>
    private static List<bool> HistoryFaultChanges(JsonNode alerts) =>
        [.. alerts["recent"]!.AsArray().Where(c => (string?)c!["alert"]!["kind"] == "history-fault").Select(c => (bool)c!["resolved"]!).Reverse()];

    private static async Task<JsonNode> Alerts(HttpClient http) => JsonNode.Parse(await http.GetStringAsync("/api/v1/alerts"))!;

    private static string FleetLog(SimFleet fleet) => SimFleet.ReadShared(fleet.DaemonLog);
}
