using System.Collections.Immutable;
using System.ComponentModel;
using PostFleet.Core.Init;
using PostFleet.Init.Inspection;
using PostFleet.Init.Postcli;

namespace PostFleet.Init;

/// <summary>One identity: run postcli, then decide "done" from its stderr and the files, never from its exit code.</summary>
internal sealed class IdentityRun(PostcliProcess postcli, string postcliBinary, string logDirectory)
{
    public async Task<IdentityResult> RunAsync(IdentityPlan identity, CommitmentAtx commitment, CancellationToken cancellationToken)
    {
        var logPath = Path.Combine(logDirectory, identity.Name + ".postcli.log");
        PostcliRunResult run;
        try
        {
            run = await postcli.RunAsync(PathProbe.ResolveExecutable(postcliBinary), identity.PostcliArguments, logPath, cancellationToken);
        }
        catch (Win32Exception ex)
        {
            return Failed(identity, logPath, new(InitProblemKind.PostcliFailed, identity.Name, $"postcli could not be started: {ex.Message}."));
        }

        if (CompletionRules.RunProblem(identity.Name, run.ExitCode, run.ErrorLine, run.Interrupted) is { } runProblem)
        {
            var state = run.Interrupted ? IdentityInitState.Cancelled : IdentityInitState.Failed;
            var tail = run.Interrupted || run.StderrTail.Count == 0 ? "" : $" Last stderr: {string.Join(" | ", run.StderrTail.TakeLast(3))}.";
            return new IdentityResult(identity.Name, state, [runProblem with { Message = $"{runProblem.Message}{tail} Log: {logPath}" }], logPath);
        }

        var problems = CompletionRules.Verify(PostDataInspector.Observe(identity.Service.DataDir), identity.Layout, commitment);
        return problems.Count == 0
            ? new IdentityResult(identity.Name, IdentityInitState.Done, [], logPath)
            : new IdentityResult(identity.Name, IdentityInitState.Failed, [.. problems], logPath);
    }

    private static IdentityResult Failed(IdentityPlan identity, string logPath, InitProblem problem) =>
        new(identity.Name, IdentityInitState.Failed, ImmutableArray.Create(problem), logPath);
}
