using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using PostFleet.Core.Configuration;
using PostFleet.Core.Forecast;
using PostFleet.Core.Planning;
using PostFleet.Storage;

namespace PostFleet.Cli.Commands;

/// <summary>
/// `postfleet plan -c postfleet.yaml`: the predicted schedule of the next cycle gap as a text Gantt, and a warning
/// (with a fix) for every disk or CPU that cannot finish in the window. Durations the daemon learned (its history
/// file in state-dir) win; the rest come from the hardware assumptions (defaults, or the flags). The daemon's
/// GET /api/v1/forecast computes the same schedule; see docs/scheduling.md.
/// </summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var config = ConfigOption.Create();
        var diskMibs = new Option<double>("--disk-mibs") { Description = "Read speed of every disk, MiB/s", DefaultValueFactory = _ => HardwareAssumptions.Default.DefaultDiskMibPerSecond };
        var disk = new Option<string[]>("--disk") { Description = "Read speed of one disk: NAME=MIBS (repeatable)", AllowMultipleArgumentsPerToken = true };
        var hashrate = new Option<double>("--hashrate") { Description = "RandomX hashes per second of one k2pow job", DefaultValueFactory = _ => HardwareAssumptions.Default.K2PowHashRate };
        var width = new Option<int>("--width") { Description = "Columns of the chart", DefaultValueFactory = _ => 72 };
        var command = new Command("plan", "Predict the next cycle gap's schedule (text Gantt) and warn about what will not fit") { config, diskMibs, disk, hashrate, width };
        command.SetAction(parse =>
        {
            var spec = ConfigOption.Load(parse.GetValue(config)!);
            if (spec is null)
            {
                return 1;
            }

            var perDisk = ImmutableDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
            foreach (var entry in parse.GetValue(disk) ?? [])
            {
                var parts = entry.Split('=', 2);
                if (parts.Length != 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var mibs) || mibs <= 0)
                {
                    Console.Error.WriteLine($"--disk {entry}: expected NAME=MIBS, e.g. diskA=180");
                    return 2;
                }

                perDisk[parts[0]] = mibs;
            }

            var hardware = new HardwareAssumptions(parse.GetValue(diskMibs), parse.GetValue(hashrate), perDisk.ToImmutable());
            // The daemon's own file, read-only: `plan` may run next to a live daemon and must not migrate it.
            var historyPath = spec.HistoryPath;
            var known = FleetHistory.ReadEstimates(historyPath);
            var output = parse.InvocationConfiguration.Output;
            var exit = 0;

            // Several nodes: each node's gap on its own, with that node's identities (their phases are apart, so
            // their gaps are; the live planner weighs them against each other where they overlap).
            foreach (var part in spec.HasSeveralNodes ? spec.Nodes.Select(spec.ForNode).Where(p => p.Disks.Length > 0) : [spec])
            {
                if (spec.HasSeveralNodes)
                {
                    output.WriteLine($"node {part.Node.Name}:");
                }

                exit = Math.Max(exit, Report(part, hardware, perDisk, known, historyPath, parse.GetValue(width), output));
            }

            return exit;
        });
        return command;
    }

    private static int Report(FleetSpec spec, HardwareAssumptions hardware, IReadOnlyDictionary<string, double> perDisk, ProvingEstimates known, string historyPath, int width, TextWriter output)
    {
        var forecast = ProvingForecast.Of(spec, hardware, known);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"next cycle gap ({ProvingForecast.Format(forecast.Window.TotalSeconds)}), schedule.mode {spec.Schedule.Mode.ToString().ToLowerInvariant()}, max-pow {forecast.PowSlots}; assumed: disks {hardware.DefaultDiskMibPerSecond:0} MiB/s{(perDisk.Count > 0 ? " (" + string.Join(", ", perDisk.Select(kv => $"{kv.Key} {kv.Value:0}")) + ")" : "")}, k2pow {hardware.K2PowHashRate:0} H/s per job"));
        if (spec.K2Pow is { } pool)
        {
            var workers = pool.AllWorkers.ToList();
            var routed = spec.Services.Count(pool.Routes);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"k2pow pool: {routed} service(s) through the router on {workers.Count} worker(s) (k2pow.max-pow {pool.MaxPow}, one nonce group per worker; rates {string.Join(", ", workers.Select(w => w.HashRate is { } h ? $"{w.Name} {h:0} H/s" : $"{w.Name} assumed {hardware.K2PowHashRate:0} H/s"))}); {pool.Direct.Count} on a direct worker; max-pow counts local k2pow only"));
        }

        if (known.K2Pow.Count + known.DiskReadRate.Count > 0)
        {
            output.WriteLine($"learned ({historyPath}): k2pow of {known.K2Pow.Count} service(s), read rate of {known.DiskReadRate.Count} disk(s)");
        }

        output.WriteLine("k = k2pow, # = reading, | = end of the window; * = from assumptions, not history");
        output.Write(forecast.Gantt(width));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"all proofs in at {ProvingForecast.Format(forecast.Makespan)} ({forecast.Makespan / forecast.Window.TotalSeconds:P0} of the window)"));
        var late = forecast.Rows.Where(r => r.Outlook != Core.Planning.ProofOutlook.InGap).Select(r => r.Service.Name).ToList();
        if (late.Count > 0)
        {
            output.WriteLine($"not in the gap (started after the identities that can make it, largest first): {string.Join(", ", late)}");
        }

        foreach (var warning in forecast.Warnings)
        {
            output.WriteLine($"warning: {warning}");
        }

        return forecast.Warnings.IsEmpty ? 0 : 3;
    }
}
