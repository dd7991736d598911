using PostFleet.Core.Init;

namespace PostFleet.Init.Console;

/// <summary>The closing summary of a run: one line per identity, then what the user has to do next.</summary>
public static class OutcomeText
{
    public static IEnumerable<string> Lines(InitOutcome outcome)
    {
        foreach (var identity in outcome.Identities)
        {
            var state = identity.State switch
            {
                IdentityInitState.Done => "done, key installed",
                IdentityInitState.Cancelled => "interrupted, re-run to resume",
                _ => "FAILED" + (identity.LogPath is null ? "" : $" (log: {identity.LogPath})"),
            };
            yield return $"  {identity.Name}: {state}";
        }

        if (outcome.LocalKeyBackup is not null)
        {
            yield return $"local.key was moved to {outcome.LocalKeyBackup} (kept, not deleted).";
        }

        if (!outcome.NeedNodeRestart.IsEmpty)
        {
            yield return $"RESTART THE NODE: it loads keys only at start and does not carry {string.Join(", ", outcome.NeedNodeRestart)} yet.";
        }

        yield return outcome.Status switch
        {
            InitStatus.Completed => "init complete.",
            InitStatus.DryRun => "dry run: nothing was touched.",
            InitStatus.Refused => "init refused before any work: nothing was touched. Fix the errors above and run it again.",
            InitStatus.Cancelled => "init interrupted: run the same command again to resume.",
            _ => "init finished with failures (see errors above); fix them and run it again: finished identities are skipped, the rest resume.",
        };
    }
}
