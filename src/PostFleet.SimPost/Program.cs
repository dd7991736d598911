using PostFleet.Simulator.PostService;

namespace PostFleet.SimPost;

/// <summary>
/// <c>postfleet-sim post-service ARGS</c>: exactly <c>postfleet sim post-service ARGS</c> (flags, operator
/// <c>/status</c>, record lines, exit codes and signals all come from <see cref="SimPostServiceProgram"/>), compiled
/// natively. The verb stays on the command line so the two are told apart only by the executable's name.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["post-service", .. var rest])
        {
            return await SimPostServiceProgram.RunAsync(rest, CancellationToken.None);
        }

        Console.Error.WriteLine("postfleet-sim: the native build runs only `post-service` (usage: postfleet-sim post-service [FLAGS]); the other simulated programs are `postfleet sim node|postcli|k2pow-service`");
        return 2;
    }
}
