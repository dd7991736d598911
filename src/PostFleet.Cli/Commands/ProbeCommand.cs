using System.CommandLine;
using PostFleet.Doctor.Probes.Remote;

namespace PostFleet.Cli.Commands;

/// <summary>
/// `postfleet probe --node URL... --serve ADDR... --token T --timeout S`: what doctor's probe container or pod runs
/// where the post-services run (<see cref="AddressProbeProgram"/>). Hidden: doctor gives the arguments.
/// </summary>
internal static class ProbeCommand
{
    public static Command Create()
    {
        var nodes = new Option<string[]>("--node") { Description = "A node address the services dial (http://HOST:PORT); repeatable", AllowMultipleArgumentsPerToken = false };
        var serves = new Option<string[]>("--serve") { Description = "An operator address the services bind (IP:PORT); repeatable" };
        var token = new Option<string>("--token") { Description = "What /status answers with, so the reader knows it reached this probe", Required = true };
        var timeout = new Option<int>("--timeout") { Description = "Seconds until the probe ends whatever happened", DefaultValueFactory = _ => 60 };
        var command = new Command("probe", "Check addresses from where post-services run (doctor runs it in a container or pod)") { nodes, serves, token, timeout };
        command.Hidden = true;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var seconds = parse.GetValue(timeout);
            if (seconds <= 0)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("--timeout must be a positive number of seconds");
                return 2;
            }

            return await AddressProbeProgram.RunAsync(
                parse.GetValue(nodes) ?? [],
                parse.GetValue(serves) ?? [],
                parse.GetValue(token)!,
                TimeSpan.FromSeconds(seconds),
                Console.Out,
                TimeProvider.System,
                cancellationToken);
        });
        return command;
    }
}
