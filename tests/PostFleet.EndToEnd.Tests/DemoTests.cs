namespace PostFleet.EndToEnd.Tests;

/// <summary>
/// `postfleet demo` for three epochs on the demo's topology (10 identities, 5 disks, per-disk 1, max-pow 2,
/// diskA_post2 after diskC_post2), judged from the simulated node's and post-services' own records.
/// </summary>
[Collection(nameof(DemoRun))]
public sealed class DemoTests(DemoRun run)
{
    private const int PerDisk = 1;
    private const int MaxPow = 2;

    private static readonly string[] Identities =
    [
        "diskA_post1", "diskA_post2", "diskB_post1", "diskB_post2", "diskB_post3",
        "diskC_post1", "diskC_post2", "diskC_post3", "diskD_post1", "diskE_post1",
    ];

    [Fact]
    public void The_demo_exits_zero_after_the_epochs_it_was_asked_for()
    {
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains($"demo finished: {DemoRun.Epochs} epoch(s) with every proof delivered", run.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Redirected output keeps each line whole: a start with its reason runs past the 200 columns other commands lay
    /// out to, and once came out as two lines, the second without its time.
    /// </summary>
    [Fact]
    public void Every_line_the_orchestrator_prints_is_whole()
    {
        var lines = run.Output.Split('\n');
        var starts = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\d\d:\d\d:\d\d start ")).ToList();
        Assert.NotEmpty(starts);
        Assert.True(starts.Any(l => l.Length > 200), "no start line longer than 200 characters (have the reasons become shorter?):\n" + string.Join('\n', starts.Take(5)));
        Assert.DoesNotContain(lines, l => l.StartsWith('('));
    }

    [Fact]
    public void Every_identity_delivers_its_proof_in_three_consecutive_epochs()
    {
        var delivered = run.Node.Where(l => l.Event == "proof-delivered" && l.Text("kind") == "nipost")
            .GroupBy(l => l.Number("publishEpoch")!.Value)
            .Where(g => Identities.All(i => g.Any(l => l.Text("identity") == i)))
            .Select(g => g.Key)
            .Order()
            .ToList();

        Assert.True(delivered.Count >= DemoRun.Epochs, $"complete epochs: {string.Join(", ", delivered)}\n{WhatTheMissesSaw(delivered)}");
        var last = delivered.TakeLast(DemoRun.Epochs).ToList();
        Assert.True(last[0] + DemoRun.Epochs - 1 == last[^1], $"complete epochs: {string.Join(", ", delivered)}\n{WhatTheMissesSaw(delivered)}");
    }

    /// <summary>
    /// For each epoch between the first and last complete one that is not complete: who missed, what the node
    /// recorded about them in that epoch, and what the demo said about them, so a failure on a CI machine can be
    /// diagnosed from its message alone.
    /// </summary>
    private string WhatTheMissesSaw(IReadOnlyList<long> complete)
    {
        if (complete.Count == 0)
        {
            return run.Output;
        }

        var report = new System.Text.StringBuilder();
        for (var epoch = complete[0]; epoch <= complete[^1]; epoch++)
        {
            var e = epoch;
            var missed = Identities.Where(i => !run.Node.Any(l => l.Event == "proof-delivered" && l.Text("kind") == "nipost" && l.Number("publishEpoch") == e && l.Text("identity") == i)).ToList();
            foreach (var identity in missed)
            {
                report.AppendLine($"publish epoch {e}: {identity} delivered no proof; the node's record of it in epochs {e - 1} to {e + 1} (a proof after its cycle gap skips the next PoET round):");
                var lines = run.Node.Where(l => l.Text("identity") == identity && (l.Number("publishEpoch") is { } p && Math.Abs(p - e) <= 1)).ToList();
                foreach (var line in lines)
                {
                    report.AppendLine("  " + line.Json.GetRawText());
                }

                if (lines.Count > 0)
                {
                    report.AppendLine("the daemon's decisions about it meanwhile:");
                    foreach (var decision in run.Decisions(identity, lines.Min(l => l.Time), lines.Max(l => l.Time)))
                    {
                        report.AppendLine("  " + decision);
                    }
                }

                report.AppendLine("the demo's lines about it:");
                foreach (var line in run.Output.Split('\n').Where(l => l.Contains(identity, StringComparison.Ordinal)))
                {
                    report.AppendLine("  " + line.TrimEnd());
                }
            }
        }

        return report.ToString();
    }

    [Fact]
    public void Never_more_than_per_disk_readers_on_a_disk_nor_max_pow_in_k2pow()
    {
        var phases = PhaseIntervals.From(run.Host);
        Assert.Contains(phases, p => p.Phase == "read");
        foreach (var disk in phases.Where(p => p.Phase == "read").GroupBy(p => p.Disk))
        {
            Assert.True(PhaseIntervals.PeakConcurrency(disk) <= PerDisk, $"{disk.Key}: more than {PerDisk} readers at once");
        }

        // The cap governs starts: a service whose pass found no proof runs k2pow again for its next pass on its own,
        // which no orchestrator can hold back short of killing it. The planner holds slots for readers whose pass
        // may end during a new k2pow (docs/scheduling.md, "max-pow and re-entries"), but it predicts from learned
        // durations and real k2pow times are geometric, so a re-entry can still overlap. First passes are what the
        // cap bounds for certain.
        Assert.True(PhaseIntervals.PeakConcurrency(phases.Where(p => p.Phase == "k2pow").GroupBy(p => p.Pid).Select(g => g.MinBy(p => p.Start)!)) <= MaxPow, $"more than {MaxPow} services in their first k2pow at once");
    }

    [Fact]
    public void DiskA_post2_starts_only_after_diskC_post2_delivered_in_each_epoch()
    {
        var checkedEpochs = 0;
        foreach (var request in run.Node.Where(l => l.Event == "proof-requested" && l.Text("identity") == "diskA_post2" && l.Text("kind") == "nipost"))
        {
            var epoch = request.Number("publishEpoch");
            var dependency = run.Node.FirstOrDefault(l => l.Event == "proof-delivered" && l.Text("identity") == "diskC_post2" && l.Number("publishEpoch") == epoch);
            var started = run.Host.FirstOrDefault(l => l.Event == "started" && l.Text("dir")!.EndsWith("diskA_post2", StringComparison.Ordinal) && l.Time >= request.Time);
            if (started is null || dependency is null)
            {
                continue; // the epoch ended with the demo: counted below, every asked-for epoch must be checked
            }

            checkedEpochs++;
            Assert.True(started.Time >= dependency.Time, $"epoch {epoch}: diskA_post2 started {started.Time:O}, diskC_post2 delivered {dependency.Time:O}");
        }

        Assert.True(checkedEpochs >= DemoRun.Epochs, $"the order was checked in {checkedEpochs} epochs, not the {DemoRun.Epochs} the demo ran");
    }

    [Fact]
    public void No_service_is_stopped_while_the_node_wants_its_identity_proving()
    {
        var disconnects = run.Node.Where(l => l.Event == "service-disconnected").ToList();
        foreach (var disconnect in disconnects)
        {
            var identity = disconnect.Text("identity");
            var state = run.Node.LastOrDefault(l => l.Event == "state" && l.Text("identity") == identity && l.Time <= disconnect.Time);
            Assert.True(NodeWasStopping(disconnect) || state?.Text("to") == "IDLE", $"{identity} disconnected at {disconnect.Time:O} while {state?.Text("to")}");
        }

        // Every identity's service is stopped once its proof is in, in every epoch: a record without them proves nothing.
        Assert.True(disconnects.Count(d => !NodeWasStopping(d)) >= Identities.Length * DemoRun.Epochs, $"{disconnects.Count} disconnects in the node's record");
    }

    /// <summary>
    /// The node closes every stream when it stops and records node-stopped after: a disconnect followed by nothing
    /// but other disconnects up to node-stopped is the node's doing.
    /// </summary>
    private bool NodeWasStopping(RecordLine disconnect) =>
        run.Node.SkipWhile(l => !ReferenceEquals(l, disconnect)).Skip(1).SkipWhile(l => l.Event == "service-disconnected").FirstOrDefault()?.Event == "node-stopped";

    [Fact]
    public void No_service_runs_on_after_its_identity_went_idle_into_the_next_proof()
    {
        var checkedIdles = 0;
        foreach (var idle in run.Node.Where(l => l.Event == "state" && l.Text("to") == "IDLE" && l.Text("from") == "PROVING"))
        {
            var identity = idle.Text("identity");
            var connected = run.Node.LastOrDefault(l => l.Text("identity") == identity && l.Time <= idle.Time && l.Event is "service-registered" or "service-disconnected");
            if (connected?.Event != "service-registered")
            {
                continue; // its service was already gone when the node went IDLE: nothing to stop
            }

            // Stopped after idle-stop-grace (the daemon's rule), and in any case before the node wants the next proof.
            checkedIdles++;
            var gone = run.Node.FirstOrDefault(l => l.Event == "service-disconnected" && l.Text("identity") == identity && l.Time >= idle.Time);
            var next = run.Node.FirstOrDefault(l => l.Event == "state" && l.Text("identity") == identity && l.Text("to") == "PROVING" && l.Time > idle.Time);
            Assert.True(gone is not null && (next is null || gone.Time <= next.Time), $"{identity} went IDLE at {idle.Time:O} but its service ran until {gone?.Time.ToString("O") ?? "the end"} (next PROVING {next?.Time.ToString("O") ?? "none"})");
        }

        Assert.True(checkedIdles >= Identities.Length * DemoRun.Epochs, $"only {checkedIdles} PROVING → IDLE with a service connected");
    }

    [Fact]
    public void Every_started_service_is_stopped_and_no_process_is_left_behind()
    {
        var pids = run.Host.Where(l => l.Event == "started").Select(l => (int)l.Number("pid")!.Value).Distinct().ToList();
        Assert.NotEmpty(pids);
        Assert.All(pids, pid => Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("post-service", StringComparison.Ordinal), $"post-service pid {pid} still runs"));
    }

    [Fact]
    public void Init_ran_one_postcli_per_disk_and_one_at_a_time()
    {
        var inits = run.Host.Where(l => l.Event == "init-start")
            .Select(s => (Start: s, End: run.Host.First(e => e.Event is "init-end" or "init-error" && e.Number("pid") == s.Number("pid") && e.Time >= s.Time)))
            .Select(p => new PhaseInterval(Path.GetFileName(p.Start.Text("dir")!), p.Start.Text("disk")!, p.Start.Number("pid")!.Value, "init", p.Start.Time, p.End.Time))
            .ToList();

        Assert.Equal(Identities.Order(), inits.Select(i => i.Identity).Distinct().Order());
        Assert.Equal(1, PhaseIntervals.PeakConcurrency(inits));
    }

    [Fact]
    public void The_dashboard_shows_the_proving_dag_and_changes_without_a_reload()
    {
        Assert.True(run.Dashboard is not null, $"dashboard not observed: {run.DashboardError}");
        Assert.Equal(Identities.Order(), run.Dashboard!.DagNodes.Order());
        Assert.False(run.Dashboard.Reloaded);
        Assert.NotEqual(run.Dashboard.Before, run.Dashboard.After);
        Assert.True(File.Exists(run.Dashboard.Screenshot));
    }
}
