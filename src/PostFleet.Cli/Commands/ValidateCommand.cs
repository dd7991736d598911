using System.CommandLine;
using PostFleet.Core.Configuration;

namespace PostFleet.Cli.Commands;

/// <summary>
/// `postfleet validate -c FILE`: every config error as `FILE: PATH: MESSAGE` (exit 1), or a short summary (exit 0).
/// Exit 2 when the file cannot be read at all.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config", "-c")
        {
            Description = "The PostFleet config file (YAML)",
            DefaultValueFactory = _ => new FileInfo("postfleet.yaml"),
        };
        var command = new Command("validate", "Check a config file and report every problem in it at once") { config };
        command.SetAction(parseResult => Run(parseResult.GetValue(config)!, parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error));
        return command;
    }

    internal static int Run(FileInfo file, TextWriter output, TextWriter error)
    {
        if (!file.Exists)
        {
            error.WriteLine($"{file.FullName}: cannot read the config file: it does not exist");
            return 2;
        }

        var result = FleetConfigLoader.LoadFile(file.FullName);
        if (result.Spec is null && result.Errors is [{ Path: "", Message: var m }] && m.StartsWith("cannot read", StringComparison.Ordinal))
        {
            error.WriteLine($"{file.FullName}: {m}");
            return 2;
        }

        if (!result.IsValid)
        {
            foreach (var e in result.Errors)
            {
                error.WriteLine($"{file.FullName}: {e}");
            }

            error.WriteLine($"{result.Errors.Length} error{(result.Errors.Length == 1 ? "" : "s")}");
            return 1;
        }

        var spec = result.Spec!;
        var services = spec.Services.ToList();
        var s = spec.Schedule;
        output.WriteLine($"{file.FullName}: valid");
        output.WriteLine($"  {spec.Disks.Length} disks, {services.Count} services, {services.Sum(x => (long)x.NumUnits)} units");
        output.WriteLine($"  caps: per-disk {s.PerDisk}, max-pow {Cap(s.MaxPow)}, max-running {Cap(s.MaxRunning)}");

        // The mode changes what per-disk counts, and a config that names none gets the default: say which it is.
        output.WriteLine($"  schedule: mode {ModeName(s.Mode)}{(s.Mode == ConfigDefaults.Mode ? " (the default)" : "")}");
        foreach (var node in spec.Nodes)
        {
            var who = spec.HasSeveralNodes ? $"node {node.Name} ({spec.ServicesOf(node).Count()} services, post listener {node.PostListener}) " : "";
            output.WriteLine($"  {who}poet: phase-shift {Durations.Format(node.Poet.PhaseShift)}, cycle-gap {Durations.Format(node.Poet.CycleGap)}, grace-period {Durations.Format(node.Poet.GracePeriod)}");
        }

        foreach (var disk in spec.Disks)
        {
            output.WriteLine($"  {disk.Name}: {string.Join(", ", disk.Services.Select(x => x.After.IsEmpty ? x.Name : $"{x.Name} (after {string.Join(", ", x.After)})"))}");
        }

        if (spec.K2Pow is { } pool)
        {
            var workers = pool.AllWorkers.ToList();
            output.WriteLine($"  k2pow pool: router {pool.Listen} (services get {pool.ServiceUrl.ToString().TrimEnd('/')}), {workers.Count} workers ({string.Join(", ", workers.Select(w => w.Url.Authority + (w.Managed ? " managed" : "")))}), max-pow {pool.MaxPow}, parallelism {pool.Parallelism}; {services.Count(pool.Routes)} services routed{(pool.Direct.IsEmpty ? "" : $", {pool.Direct.Count} direct")}");
        }

        // WebhookSpec prints scheme and host only: the rest of a webhook URL is a secret.
        var alerts = spec.Alerts;
        output.WriteLine($"  alerts: {(alerts.Webhooks.IsEmpty ? "no webhooks" : string.Join(", ", alerts.Webhooks))}; crash-loop-restarts {alerts.CrashLoopRestarts}, predicted-miss {(alerts.PredictedMiss ? "on" : "off")}");
        output.WriteLine($"  api: {spec.Api.Listen ?? "default listen"}{(spec.Api.TokenFile is { } token ? $", token from {token}" : "")}; history: {spec.HistoryPath}, kept {Days(spec.HistoryRetention)}");

        return 0;
    }

    private static string Days(TimeSpan span) =>
        span.Ticks % TimeSpan.TicksPerDay == 0 ? $"{span.Days}d" : Durations.Format(span);

    private static string Cap(int value) => value == 0 ? "none" : value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string ModeName(ScheduleMode mode) => mode == ScheduleMode.Pipelined ? "pipelined" : "exclusive";
}
