using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using PostFleet.Bench;
using PostFleet.Core.Configuration;

namespace PostFleet.Cli.Commands;

/// <summary>
/// `postfleet bench schedule --topology FILE...`: every strategy on the in-process fleet model, against the lower
/// bound. `postfleet bench planner --identities N`: the cost of one planner pass.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Benchmarks: schedules on a virtual-time fleet model, and the planner's own cost");
        command.Subcommands.Add(Schedule());
        command.Subcommands.Add(PlannerCost());
        command.Subcommands.Add(SoakCommand.Create());
        command.Subcommands.Add(ApiLoadCommand.Create());
        return command;
    }

    private static Command Schedule()
    {
        var topology = new Option<FileInfo[]>("--topology", "-t")
        {
            Description = "Topology YAML file(s) (docs/scheduling.md); a folder means every *.yaml in it",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var sensitivity = new Option<bool>("--sensitivity") { Description = "Also run PostFleet with k2pow estimates 20% too short and 25% too long, and with max-pow-risk 0 and 5" };
        var failedPasses = new Option<bool>("--failed-passes") { Description = "Passes that find no proof, with the chance the topology's nonces give (post-service.md §4.2)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the failed passes", DefaultValueFactory = _ => 1 };
        var command = new Command("schedule", "Makespan of each strategy (demo DAG, psm, sm-psm, all-at-once, PostFleet) vs the lower bound") { topology, sensitivity, failedPasses, seed };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            foreach (var file in Expand(parse.GetValue(topology)!))
            {
                var t = Topology.Load(file);
                var clock = Stopwatch.StartNew();
                var failures = parse.GetValue(failedPasses) ? new PassFailures(t, parse.GetValue(seed)) : null;
                var results = Runner.RunSuite(t, failures).ToList();
                if (parse.GetValue(sensitivity))
                {
                    results.Add(Runner.Run(t, new PlannerStrategy(t, ScheduleMode.Pipelined, "postfleet(k2pow est x0.8)", 0.8), failures: failures));
                    results.Add(Runner.Run(t, new PlannerStrategy(t, ScheduleMode.Pipelined, "postfleet(k2pow est x1.25)", 1.25), failures: failures));
                    foreach (var risk in new[] { 0, 5 })
                    {
                        results.Add(Runner.Run(t, new PlannerStrategy(t, ScheduleMode.Exclusive, $"postfleet(excl, risk {risk})", maxPowRiskPercent: risk), failures: failures));
                        results.Add(Runner.Run(t, new PlannerStrategy(t, ScheduleMode.Pipelined, $"postfleet(pipe, risk {risk})", maxPowRiskPercent: risk), failures: failures));
                    }
                }

                output.Write(Runner.Table(t, results));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({Path.GetFileName(file)}: {results.Count} runs of 2 epochs each in {clock.Elapsed.TotalSeconds:0.0} s)"));
                output.WriteLine();
            }

            return 0;
        });
        return command;
    }

    private static Command PlannerCost()
    {
        var identities = new Option<int>("--identities", "-n") { Description = "Identities in the fleet (10 per disk)", DefaultValueFactory = _ => 1000 };
        var passes = new Option<int>("--passes") { Description = "Timed passes", DefaultValueFactory = _ => 300 };
        var command = new Command("planner", "Time and allocations of one planner pass (Planner.Decide) on a fleet mid-gap") { identities, passes };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            foreach (var mode in new[] { ScheduleMode.Exclusive, ScheduleMode.Pipelined })
            {
                var r = PlannerBenchmark.Run(parse.GetValue(identities), mode, parse.GetValue(passes));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Identities} identities, {mode.ToString().ToLowerInvariant()}: {r.Passes} passes, mean {r.MeanMs:0.000} ms, p99 {r.P99Ms:0.000} ms, max {r.MaxMs:0.000} ms, {r.AllocatedBytesPerPass:N0} bytes allocated per pass"));
            }

            return 0;
        });
        return command;
    }

    private static IEnumerable<string> Expand(IEnumerable<FileInfo> files) =>
        files.SelectMany<FileInfo, string>(f => Directory.Exists(f.FullName)
            ? Directory.GetFiles(f.FullName, "*.yaml").Order(StringComparer.Ordinal)
            : [f.FullName]);
}
