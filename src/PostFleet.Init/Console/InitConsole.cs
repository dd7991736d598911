using Spectre.Console;

namespace PostFleet.Init.Console;

/// <summary>
/// What `postfleet init` prints and returns, independent of command-line parsing: the plan, the problems, progress
/// (bars on a terminal, plain lines otherwise) and the summary. Returns the process exit code.
/// </summary>
public static class InitConsole
{
    public static async Task<int> RunAsync(InitRunner runner, InitRequest request, TextWriter output, TextWriter errors, bool interactive, CancellationToken cancellationToken)
    {
        var plain = new PlainInitReporter(output, errors, PlainInitReporter.DefaultInterval);
        var preparation = await runner.PrepareAsync(request, cancellationToken);
        if (preparation.Plan is not null)
        {
            foreach (var line in Core.Init.PlanText.Lines(preparation.Plan, preparation.CommitmentSource, preparation.IdentitiesDirectory))
            {
                plain.Info(line);
            }
        }

        InitOutcome outcome;
        if (!preparation.CanRun)
        {
            foreach (var problem in preparation.Problems)
            {
                plain.Problem(problem);
            }

            outcome = new InitOutcome(InitStatus.Refused, preparation, [], [], null);
        }
        else if (request.DryRun)
        {
            outcome = new InitOutcome(InitStatus.DryRun, preparation, [], [], null);
        }
        else if (interactive)
        {
            var console = AnsiConsole.Console;
            outcome = null!;
            await SpectreInitReporter.CreateProgress(console).StartAsync(async context =>
                outcome = await runner.ExecuteAsync(preparation, new SpectreInitReporter(console, context), cancellationToken));
        }
        else
        {
            outcome = await runner.ExecuteAsync(preparation, plain, cancellationToken);
        }

        foreach (var line in OutcomeText.Lines(outcome))
        {
            output.WriteLine(line);
        }

        return outcome.ExitCode;
    }
}
