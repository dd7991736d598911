using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PostFleet.Bench;
using PostFleet.Bench.Daemon;
using PostFleet.Core.Configuration;

namespace PostFleet.Cli.Commands;

/// <summary>
/// `postfleet bench schedule --topology FILE...`: every strategy on the in-process fleet model, against the lower
/// bound. `postfleet bench planner --identities N`: the cost of one planner pass. `postfleet bench daemon
/// --identities N`: the cost of one whole daemon pass, in process on fake time.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Benchmarks: schedules on a virtual-time fleet model, and the planner's own cost");
        command.Subcommands.Add(Schedule());
        command.Subcommands.Add(PlannerCost());
        command.Subcommands.Add(DaemonCost());
        command.Subcommands.Add(SoakCommand.Create());
        command.Subcommands.Add(ApiLoadCommand.Create());
        return command;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static Command Schedule()
    {
        var topology = new Option<FileInfo[]>("--topology", "-t")
        {
            Description = "Topology YAML file(s) (docs/scheduling.md); a folder means every *.yaml in it",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var sensitivity = new Option<bool>("--sensitivity") { Description = "Also run PostFleet with k2pow estimates 20% too short and 25% too long, and with max-pow-risk 0 and 5" };
        var seeds = new Option<int>("--seeds") { Description = "Seeds to average over (1..N): k2pow draws, read-rate jitter, start-up and failed passes differ per seed", DefaultValueFactory = _ => 1 };
        var exact = new Option<bool>("--exact") { Description = "No draws: expected k2pow work, exact read rates, no start-up, no failed passes (one run)" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var strategies = new Option<string[]>(StrategySelection.Flag)
        {
            Description = "Only these strategies (comma-separated): demo-dag, psm, sm-psm, all-at-once, exclusive, pipelined; with --sensitivity also k2pow-x0.8, k2pow-x1.25, exclusive-risk0, pipelined-risk0, exclusive-risk5, pipelined-risk5. Default: all",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("schedule", "Units proved in the gap and by the deadline (vs the upper bound) and makespan (vs the lower bound) of each strategy") { topology, sensitivity, seeds, exact, format, strategies };
        command.SetAction((parse, cancellationToken) => Task.FromResult(RunSchedule(parse, new ScheduleOptions(topology, sensitivity, seeds, exact, format, strategies), cancellationToken)));
        return command;
    }

    private sealed record ScheduleOptions(Option<FileInfo[]> Topology, Option<bool> Sensitivity, Option<int> Seeds, Option<bool> Exact, Option<string> Format, Option<string[]> Strategies);

    private static int RunSchedule(ParseResult parse, ScheduleOptions o, CancellationToken cancellationToken)
    {
        var (topology, sensitivity, seeds, exact, format) = (o.Topology, o.Sensitivity, o.Seeds, o.Exact, o.Format);
        var output = parse.InvocationConfiguration.Output;
        var n = parse.GetValue(seeds);
        if (n < 1)
        {
            Console.Error.WriteLine($"--seeds {n}: expected a whole number of seeds, 1 or more (e.g. --seeds 10)");
            return 2;
        }

        var files = Expand(parse.GetValue(topology)!).ToList();
        if (files.FirstOrDefault(f => !File.Exists(f)) is { } missing)
        {
            Console.Error.WriteLine($"--topology {missing}: no such file or folder (a topology YAML, or a folder of them, e.g. bench/topologies)");
            return 2;
        }

        var (keys, error) = StrategySelection.Parse(parse.GetResult(o.Strategies) is null ? null : parse.GetValue(o.Strategies), parse.GetValue(sensitivity));
        if (error is not null)
        {
            Console.Error.WriteLine(error);
            return 2;
        }

        var json = parse.GetValue(format) == "json";
        var figures = new List<TopologyFigures>();
        try
        {
            foreach (var file in files)
            {
                Topology t;
                try
                {
                    t = Topology.Load(file);
                }
                catch (Exception e) when (e is FormatException or YamlDotNet.Core.YamlException)
                {
                    Console.Error.WriteLine($"{file}: {e.Message} (docs/scheduling.md describes the topology YAML)");
                    return 2;
                }

                var clock = Stopwatch.StartNew();
                var suite = StrategySelection.Select(Runner.NamedSuite(t, parse.GetValue(sensitivity)), keys).Select(s => s.Make).ToList();
                Console.Error.WriteLine($"bench schedule: {Path.GetFileName(file)}, {t.Identities.Length} identities, {n} seed(s), {suite.Count} strateg{(suite.Count == 1 ? "y" : "ies")}…");
                var f = ScheduleReport.Measure(t, suite, n, parse.GetValue(exact), cancellationToken);
                figures.Add(f);
                if (!json)
                {
                    output.Write(ScheduleReport.Table(f));
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({Path.GetFileName(file)}: {suite.Count} strategies × {f.Seeds} seed(s), 2 epochs each, in {clock.Elapsed.TotalSeconds:0.0} s)"));
                    output.WriteLine();
                }
            }
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("bench schedule: cancelled");
            return 130;
        }

        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(figures, Json));
        }

        return 0;
    }

    private static Command PlannerCost()
    {
        var identities = new Option<int>("--identities", "-n") { Description = "Identities in the fleet (10 per disk)", DefaultValueFactory = _ => 1000 };
        var passes = new Option<int>("--passes") { Description = "Timed passes", DefaultValueFactory = _ => 300 };
        var command = new Command("planner", "Time and allocations of one planner pass (Planner.Decide) on a fleet mid-gap") { identities, passes };
        command.SetAction((parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var (n, p) = (parse.GetValue(identities), parse.GetValue(passes));
            if (n < 1 || p < 1)
            {
                Console.Error.WriteLine(n < 1
                    ? $"--identities {n}: expected 1 or more (e.g. --identities 1000)"
                    : $"--passes {p}: expected 1 or more (e.g. --passes 300)");
                return Task.FromResult(2);
            }

            try
            {
                foreach (var mode in new[] { ScheduleMode.Exclusive, ScheduleMode.Pipelined })
                {
                    Console.Error.WriteLine($"bench planner: {n} identities, {mode.ToString().ToLowerInvariant()}: setting up a fleet mid-gap…");
                    var r = PlannerBenchmark.Run(n, mode, p, cancellationToken);
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{r.Identities} identities, {mode.ToString().ToLowerInvariant()}: {r.Passes} passes, mean {r.MeanMs:0.000} ms, p99 {r.P99Ms:0.000} ms, max {r.MaxMs:0.000} ms, {r.AllocatedBytesPerPass:N0} bytes allocated per pass; without a window to judge: mean {r.WithoutWindowMeanMs:0.000} ms, {r.WithoutWindowBytesPerPass:N0} bytes (set-up {r.SetupSeconds:0.0} s)"));
                }
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("bench planner: cancelled");
                return Task.FromResult(130);
            }

            return Task.FromResult(0);
        });
        return command;
    }

    private static Command DaemonCost()
    {
        var identities = new Option<int[]>("--identities", "-n") { Description = "Fleet sizes (identities, 5 per disk, up to 4 hosts)", DefaultValueFactory = _ => [10, 100, 1000], AllowMultipleArgumentsPerToken = true };
        var passes = new Option<int>("--passes") { Description = "Timed passes per size and scenario", DefaultValueFactory = _ => 200 };
        var scenario = new Option<string>("--scenario") { Description = "between-gaps, open-gap or both", DefaultValueFactory = _ => "both" };
        scenario.AcceptOnlyFromAmong("between-gaps", "open-gap", "both");
        var mode = new Option<string>("--mode") { Description = "The schedule's mode: pipelined (the config's default) or exclusive (what `postfleet demo --identities N` generates)", DefaultValueFactory = _ => "pipelined" };
        mode.AcceptOnlyFromAmong("pipelined", "exclusive");
        var command = new Command("daemon", "CPU, wall time, allocations and stages of one daemon pass (loop, observer, planner, history, view, event stream) on in-memory fakes") { identities, passes, scenario, mode };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var (sizes, p) = (parse.GetValue(identities)!, parse.GetValue(passes));
            if (sizes.FirstOrDefault(n => n < 1) is var bad && sizes.Any(n => n < 1) || sizes.Length == 0)
            {
                Console.Error.WriteLine($"--identities {(sizes.Length == 0 ? "" : bad)}: expected one or more sizes of 1 or more (e.g. --identities 10 100 1000)");
                return 2;
            }

            if (p < 1)
            {
                Console.Error.WriteLine($"--passes {p}: expected 1 or more (e.g. --passes 200)");
                return 2;
            }

            var scenarios = parse.GetValue(scenario) switch
            {
                "between-gaps" => new[] { DaemonScenario.BetweenGaps },
                "open-gap" => [DaemonScenario.OpenGap],
                _ => [DaemonScenario.BetweenGaps, DaemonScenario.OpenGap],
            };
            try
            {
                foreach (var n in sizes)
                {
                    foreach (var s in scenarios)
                    {
                        Console.Error.WriteLine($"bench daemon: {n} identities, {Name(s)}…");
                        output.WriteLine(Describe(await Bench.Daemon.DaemonBenchmark.RunAsync(n, s, p, parse.GetValue(mode) == "exclusive" ? ScheduleMode.Exclusive : ScheduleMode.Pipelined, cancellationToken)));
                    }
                }
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("bench daemon: cancelled");
                return 130;
            }

            return 0;
        });
        return command;

        static string Name(DaemonScenario s) => s == DaemonScenario.OpenGap ? "open gap" : "between gaps";

        static string Describe(DaemonBenchmarkResult r) => string.Create(CultureInfo.InvariantCulture, $"{r.Identities} identities ({r.Disks} disks, {r.Hosts} hosts), {Name(r.Scenario)}, {r.Mode.ToString().ToLowerInvariant()}, {r.LiveRuns} runs live: {r.Passes} passes; CPU {r.CpuMs:0.00} ms/pass; wall p50 {r.WallP50Ms:0.00} ms, p99 {r.WallP99Ms:0.00} ms, max {r.WallMaxMs:0.00} ms; {r.AllocatedBytes:N0} bytes allocated/pass; ")
            + string.Create(CultureInfo.InvariantCulture, $"/status reads {r.StatusReads:0.0}/pass, PostStates {r.PostStatesCalls:0.0}/pass; SSE {r.ChangesBytes:N0} bytes/pass as changes to each of {r.Dashboards} dashboards (the whole view: {r.WholeViewBytes:N0}); ")
            + string.Create(CultureInfo.InvariantCulture, $"working set {r.WorkingSetBytes / 1048576.0:0} MiB (peak {r.PeakWorkingSetBytes / 1048576.0:0}), managed heap {r.HeapBytes / 1048576.0:0} MiB of which large objects {r.LargeObjectHeapBytes / 1048576.0:0.0} MiB, {r.Gen2Collections} full GCs; ")
            + string.Create(CultureInfo.InvariantCulture, $"{r.Collections.Gen0} gen-0 and {r.Collections.Gen1} gen-1 collections, GC pauses {r.GcPauseMsPerPass:0.000} ms/pass\n")
            + "  stages (mean ms/pass): " + string.Join(", ", r.Stages.OrderByDescending(s => s.MeanMs).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Stage} {s.MeanMs:0.000}")))
            + string.Concat(r.Slowest.Select(p => string.Create(CultureInfo.InvariantCulture, $"\n  a slowest pass, {p.WallMs:0.0} ms: ") + string.Join(", ", p.Stages.Where(s => s.Ms >= 0.05).OrderByDescending(s => s.Ms).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Stage} {s.Ms:0.0}")))));
    }

    private static IEnumerable<string> Expand(IEnumerable<FileInfo> files) =>
        files.SelectMany<FileInfo, string>(f => Directory.Exists(f.FullName)
            ? Directory.GetFiles(f.FullName, "*.yaml").Order(StringComparer.Ordinal)
            : [f.FullName]);
}
