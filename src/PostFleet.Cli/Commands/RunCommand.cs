using System.CommandLine;
using Microsoft.Extensions.Logging;
using PostFleet.Cli.Output;
using PostFleet.Daemon;
using PostFleet.Daemon.Web;
using Spectre.Console;

namespace PostFleet.Cli.Commands;

/// <summary>`postfleet run -c postfleet.yaml`: the daemon, until Ctrl-C or SIGTERM.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = ConfigOption.Create();
        var web = new WebOptionsParser();
        var command = new Command("run", "Run the orchestrator: every epoch, start each post-service when the node needs it and the schedule allows, stop it once the node has the proof.");
        command.Options.Add(config);
        web.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var fleet = ConfigOption.Load(parseResult.GetValue(config)!);
            if (fleet is null)
            {
                return 1;
            }

            WebOptions? webOptions;
            try
            {
                webOptions = web.Read(parseResult, fleet);
            }
            catch (WebStartupException ex)
            {
                // From the config file: name the file, as validate does.
                Console.Error.WriteLine($"{fleet.Source}: {ex.Message}");
                return 2;
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"--webhook / --token-file: {ex.Message}");
                return 2;
            }

            using var loggers = ConsoleLogging.Create();
            await using var daemon = new FleetDaemon(fleet, DaemonAdapters.Connect(fleet, TimeProvider.System, loggers), [new ConsoleReporter(ConsoleWidth.ForLogLines(AnsiConsole.Console))], loggers, webOptions);
            try
            {
                await daemon.StartK2PowPoolAsync(cancellationToken);
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"{fleet.Source}: k2pow.listen: {ex.Message} Choose a free address for the k2pow router (or stop the program that holds it).");
                return 2;
            }

            try
            {
                await daemon.StartWebAsync(cancellationToken);
            }
            catch (IOException ex) when (!web.ListenGiven(parseResult) && fleet.Api.Listen is null)
            {
                // The default port is taken (another daemon, another program): proving matters more than the dashboard.
                Console.Error.WriteLine($"warning: the dashboard could not bind {WebOptions.DefaultListen} ({ex.Message}); running without it. Set api.listen (or give --listen) to choose another address.");
            }
            catch (Exception ex) when (ex is WebStartupException or IOException)
            {
                Console.Error.WriteLine($"{(web.ListenGiven(parseResult) ? "--listen" : "api.listen")}: {ex.Message}");
                return 2;
            }

            if (daemon.WebUrl is { } url)
            {
                AnsiConsole.MarkupLine($"dashboard and API: [blue]{Markup.Escape(url.ToString())}[/]");
            }

            AnsiConsole.MarkupLine($"[bold]postfleet[/]: {fleet.Services.Count()} services on {fleet.Disks.Length} disks; node post listener {Markup.Escape(fleet.Node.PostListener.ToString())}; Ctrl-C to stop ({(fleet.Schedule.OnShutdown == Core.Configuration.ShutdownPolicy.LeaveRunning ? "services are left running and adopted on return" : "services are stopped")})");
            await daemon.RunAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
