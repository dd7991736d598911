using System.CommandLine;
using PostFleet.Bench.Soak;

namespace PostFleet.Cli.Commands;

/// <summary>`postfleet bench soak`: the command line of <see cref="SoakRun"/> (bench/), which does the work.</summary>
internal static class SoakCommand
{
    public static Command Create()
    {
        var epochs = new Option<int>("--epochs") { Description = "Publish epochs to run under faults", DefaultValueFactory = _ => 30 };
        var scale = new Option<double>("--time-scale") { Description = "Time compression of the network (60: a 15-minute epoch takes 15 s)", DefaultValueFactory = _ => 60 };
        var seed = new Option<int?>("--seed") { Description = "Seed of the fault picker (default: random, printed)" };
        var keep = new Option<bool>("--keep") { Description = "Keep the soak folder" };
        var judge = new Option<DirectoryInfo?>("--judge") { Description = "Judge a kept soak folder again (its records, faults and daemon log) instead of running one" };
        var soak = new Command("soak", "Many compressed epochs with random faults of every kind; prints delivered/missed proofs and whether each miss was savable.")
        {
            epochs, scale, seed, keep, judge,
        };
        soak.SetAction(async (parseResult, cancellationToken) =>
        {
            if (parseResult.GetValue(judge) is { } folder)
            {
                if (!File.Exists(Path.Combine(folder.FullName, "soak.json")) || !File.Exists(Path.Combine(folder.FullName, "faults.jsonl")))
                {
                    Console.Error.WriteLine($"--judge {folder}: not a kept soak folder (soak.json and faults.jsonl are written when a soak run with --keep ends)");
                    return 2;
                }

                return await SoakRun.JudgeAsync(folder.FullName, cancellationToken);
            }

            var root = Directory.CreateTempSubdirectory("postfleet-soak-").FullName;
            var executable = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell where postfleet is");
            var run = new SoakRun(root, parseResult.GetValue(scale), parseResult.GetValue(seed) ?? Random.Shared.Next(), executable);
            try
            {
                return await run.RunAsync(parseResult.GetValue(epochs), cancellationToken);
            }
            finally
            {
                await run.DisposeAsync();
                if (parseResult.GetValue(keep))
                {
                    Console.WriteLine("soak folder kept: " + root);
                }
                else
                {
                    try
                    {
                        Directory.Delete(root, recursive: true);
                    }
                    catch (IOException)
                    {
                    }
                }
            }
        });
        return soak;
    }
}
