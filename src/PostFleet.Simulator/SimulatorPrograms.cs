using PostFleet.Simulator.K2PowService;
using PostFleet.Simulator.Node;
using PostFleet.Simulator.Postcli;
using PostFleet.Simulator.PostService;

namespace PostFleet.Simulator;

/// <summary>
/// Entry points of the three simulated programs. Each parses its raw arguments exactly like the real
/// binary does (Go flags for the node and postcli, clap for post-service), so they are handed the raw argv.
/// </summary>
public static class SimulatorPrograms
{
    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        ["node"] = "a simulated go-spacemesh node on a standalone network (real flags and listeners)",
        ["post-service"] = "a simulated post-rs post-service (real flags, Register stream, operator /status)",
        ["postcli"] = "a simulated postcli that initialises PoST data (real flags, files and exit codes)",
        ["k2pow-service"] = "a simulated post-rs k2pow-service (real flags, HTTP job API, one job at a time)",
    };

    public static Task<int> RunAsync(string program, string[] args, CancellationToken cancellationToken) => program switch
    {
        "node" => SimNodeProgram.RunAsync(args, cancellationToken),
        "post-service" => SimPostServiceProgram.RunAsync(args, cancellationToken),
        "postcli" => SimPostcliProgram.RunAsync(args, cancellationToken),
        "k2pow-service" => SimK2PowServiceProgram.RunAsync(args, cancellationToken),
        _ => Task.FromResult(UnknownProgram(program)),
    };

    private static int UnknownProgram(string program)
    {
        Console.Error.WriteLine($"postfleet sim: unknown program '{program}'; expected one of: {string.Join(", ", Descriptions.Keys)}");
        return 2;
    }
}
