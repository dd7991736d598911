using PostFleet.Core.Init;

namespace PostFleet.Init.Console;

/// <summary>
/// For logs and pipes: one line per event, and progress as plain lines at most every <paramref name="interval"/>
/// (e.g. <c>diskA_post1 37% 1.2 MiB/s ETA 0:42</c>), measured on the snapshots' own clock.
/// </summary>
public sealed class PlainInitReporter(TextWriter output, TextWriter errors, TimeSpan interval) : IInitReporter
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(2);

    private DateTimeOffset? _lastProgress;

    public void Info(string message) => output.WriteLine(message);

    public void Warning(string message) => errors.WriteLine("warning: " + message);

    public void Problem(InitProblem problem) => errors.WriteLine("error: " + problem);

    public void Progress(InitProgress progress)
    {
        if (_lastProgress is { } last && progress.At - last < interval)
        {
            return;
        }

        var running = progress.Identities.Where(i => i.State == IdentityInitState.Running).ToList();
        if (running.Count == 0)
        {
            return;
        }

        _lastProgress = progress.At;
        foreach (var identity in running)
        {
            output.WriteLine(ProgressMath.Line(identity));
        }

        output.WriteLine(ProgressMath.Line(progress));
    }
}
