using System.CommandLine;
using System.Text.Json;
using PostFleet.Doctor;
using PostFleet.Doctor.Probes.Remote;
using Spectre.Console;

namespace PostFleet.Cli.Commands;

/// <summary>
/// `postfleet doctor -c postfleet.yaml [--json]`: every check of <see cref="FleetDoctor"/>, each finding with its
/// severity and what to do. Exit 0 without errors (warnings allowed), 1 with any, 2 when the config is unusable.
/// </summary>
internal static class DoctorCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var config = ConfigOption.Create();
        var json = new Option<bool>("--json") { Description = "Print the findings as JSON" };
        var probeTimeout = new Option<int>("--probe-timeout")
        {
            Description = "Seconds a probe container or pod (docker.probe-image, kubernetes.probe-image) may take to check the addresses from where the services run",
            DefaultValueFactory = _ => (int)RemoteProbeOptions.DefaultTimeout.TotalSeconds,
        };
        var command = new Command("doctor", "Check the node, keys, binaries, ports, addresses, data folders, free space and clock; say what to fix") { config, json, probeTimeout };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var spec = ConfigOption.Load(parse.GetValue(config)!);
            if (spec is null)
            {
                return 2;
            }

            if (parse.GetValue(probeTimeout) is var seconds && seconds <= 0)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"--probe-timeout {seconds}: give a positive number of seconds, e.g. 60");
                return 2;
            }

            DoctorReport report;
            try
            {
                report = await FleetDoctor.RunAsync(spec, probes: new RemoteProbeOptions(TimeSpan.FromSeconds(seconds)), cancellationToken: cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C: any probe container or pod was removed on the way out.
                await parse.InvocationConfiguration.Error.WriteLineAsync("doctor: cancelled");
                return 130;
            }

            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(
                    new
                    {
                        config = spec.Source,
                        errors = report.Errors,
                        warnings = report.Warnings,
                        findings = report.Findings.Select(f => new { check = f.Check, severity = f.Severity.ToString().ToLowerInvariant(), subject = f.Subject, message = f.Message, fix = f.Fix }),
                    },
                    Json));
            }
            else if (Console.IsOutputRedirected || output != Console.Out)
            {
                WritePlain(report, output);
            }
            else
            {
                WriteTable(report);
            }

            return report.ExitCode;
        });
        return command;
    }

    /// <summary>One finding per line (and its fix on the next): greppable, never wrapped mid-word.</summary>
    internal static void WritePlain(DoctorReport report, TextWriter output)
    {
        foreach (var f in report.Findings)
        {
            output.WriteLine($"{Label(f.Severity),-5}  {f.Check,-13}  {f.Subject}: {f.Message}");
            if (f.Fix is not null)
            {
                output.WriteLine($"{"",-5}  {"",-13}  -> {f.Fix}");
            }
        }

        output.WriteLine(Summary(report));
    }

    private static void WriteTable(DoctorReport report)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("", "check", "finding", "what to do");
        foreach (var f in report.Findings)
        {
            var color = f.Severity switch { Severity.Ok => "green", Severity.Warn => "yellow", _ => "red" };
            table.AddRow($"[{color}]{Label(f.Severity)}[/]", Markup.Escape(f.Check), Markup.Escape($"{f.Subject}: {f.Message}"), Markup.Escape(f.Fix ?? ""));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(report.Errors > 0 ? $"[red]{Markup.Escape(Summary(report))}[/]" : Markup.Escape(Summary(report)));
    }

    private static string Label(Severity severity) => severity switch { Severity.Ok => "ok", Severity.Warn => "WARN", _ => "ERROR" };

    private static string Summary(DoctorReport report) =>
        $"{report.Findings.Count} checks: {report.Errors} error(s), {report.Warnings} warning(s)";
}
