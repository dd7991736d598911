using System.CommandLine;
using PostFleet.Simulator;

namespace PostFleet.Cli.Commands;

/// <summary>
/// Listed for help only: `postfleet sim PROGRAM ...` is dispatched before parsing (see Program.Main).
/// </summary>
internal static class SimCommand
{
    public static Command Create()
    {
        var command = new Command("sim", "Run one of the simulated programs with the real binary's flags: " + string.Join(", ", SimulatorPrograms.Descriptions.Keys));
        command.SetAction(_ =>
        {
            Console.WriteLine("usage: postfleet sim PROGRAM [flags of the real program]");
            foreach (var (name, description) in SimulatorPrograms.Descriptions)
            {
                Console.WriteLine($"  {name,-13} {description}");
            }

            return 0;
        });
        return command;
    }
}
