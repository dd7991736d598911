using PostFleet.Core.Init;

namespace PostFleet.Init.Tests.Support;

public sealed class RecordingReporter : IInitReporter
{
    private readonly Lock _gate = new();

    public List<string> Infos { get; } = [];

    public List<string> Warnings { get; } = [];

    public List<InitProblem> Problems { get; } = [];

    public List<InitProgress> Snapshots { get; } = [];

    public void Info(string message)
    {
        lock (_gate)
        {
            Infos.Add(message);
        }
    }

    public void Warning(string message)
    {
        lock (_gate)
        {
            Warnings.Add(message);
        }
    }

    public void Problem(InitProblem problem)
    {
        lock (_gate)
        {
            Problems.Add(problem);
        }
    }

    public void Progress(InitProgress progress)
    {
        lock (_gate)
        {
            Snapshots.Add(progress);
        }
    }
}
