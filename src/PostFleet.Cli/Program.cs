using System.CommandLine;
using PostFleet.Cli.Commands;

namespace PostFleet.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // The simulated programs parse their raw argv exactly like the real binaries, so they bypass
        // System.CommandLine (Go-style `-flag=value` for the node and postcli, clap-style for post-service).
        // They also install their own signal behaviour: the real post-service dies on SIGTERM, for one.
        if (args is ["sim", var program, ..] && program is not ("-h" or "--help"))
        {
            return await Simulator.SimulatorPrograms.RunAsync(program, args[2..], CancellationToken.None);
        }

        using var shutdown = new ConsoleShutdown();
        Output.ConsoleWidth.ForTables(Spectre.Console.AnsiConsole.Console);

        var root = new RootCommand("PostFleet: prove every identity of a go-spacemesh 1:N node, every epoch, unattended.");
        foreach (var command in Commands())
        {
            root.Subcommands.Add(command);
        }

        return await root.Parse(args).InvokeAsync(cancellationToken: shutdown.Token);
    }

    private static IEnumerable<Command> Commands()
    {
        yield return SimCommand.Create();
        yield return ValidateCommand.Create();
        yield return RunCommand.Create();
        yield return InitCommand.Create();
        yield return StatusCommand.Create();
        yield return Demo.DemoCommand.Create();
        yield return CertsCommand.Create();
        yield return DoctorCommand.Create();
        yield return DiscoverCommand.Create();
        yield return ProbeCommand.Create();
        yield return CompletionCommand.Create();
        yield return BenchCommand.Create();
        yield return PlanCommand.Create();
    }
}
