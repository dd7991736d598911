using PostFleet.Core.Init;

namespace PostFleet.Init;

/// <summary>Where `postfleet init` tells the user what happens. Called from one loop, never concurrently.</summary>
public interface IInitReporter
{
    /// <summary>A notable step: a run started, an identity finished, a key was installed.</summary>
    void Info(string message);

    void Warning(string message);

    void Problem(InitProblem problem);

    /// <summary>The latest snapshot, about every progress interval while postcli runs.</summary>
    void Progress(InitProgress progress);
}
