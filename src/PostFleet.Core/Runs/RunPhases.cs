using PostFleet.Core.Model;
using PostFleet.Core.Planning;

namespace PostFleet.Core.Runs;

/// <summary>
/// A live run's phases, read off the planner's memory of it: the planner already follows each pass (its nonces,
/// where and when it was first and last seen reading, when a later pass's k2pow began) and learns the k2pow time
/// and read rate from that; this draws the same passes as time spans and takes the learned rate, so the history,
/// the API and the dashboard show what the planner plans with and never learn anything of their own.
/// </summary>
public static class RunPhases
{
    /// <param name="before">The planner's memory of the service before this pass.</param>
    /// <param name="after">Its memory after this pass (<see cref="Plan.Next"/>).</param>
    public static RunRecord Fold(RunRecord run, ServiceStatus? status, ServiceMemory before, ServiceMemory after, ulong dataBytes, DateTimeOffset now)
    {
        if (after.RunId != run.InstanceId)
        {
            return run;
        }

        var open = run.OpenPhase;
        if (after.PassRead is { } read)
        {
            var bytes = read.LastPosition - read.Position;
            if (open is { Kind: RunPhaseKind.Read } same && same.NonceStart == read.NonceStart && same.Start == read.At)
            {
                return same.Seen == read.LastAt ? run : Replace(run, same with { Seen = read.LastAt, Bytes = bytes, Rate = read.SeenRate });
            }

            return Add(Close(run, before, after, dataBytes, now, laterPass: false), new RunPhaseSpan(RunPhaseKind.Read, read.NonceStart, read.At, null, read.LastAt, bytes, read.SeenRate));
        }

        if (status is ServiceStatus.Proving { InK2Pow: true } proving)
        {
            if (open is { Kind: RunPhaseKind.K2Pow } k2pow && k2pow.NonceStart == proving.NonceStart)
            {
                return run;
            }

            // A run's first k2pow starts at its first /status answer, as the planner times it (before that post-service
            // starts up: fast mode builds its RandomX dataset, holding /status), else with the run; a later pass's when
            // the planner saw the read before it end (else now: an adopted run in a re-entry).
            var start = run.Phases.Count == 0 && proving.NonceStart == 0 ? after.K2PowSeenAt ?? run.StartedAt : after.PassK2Pow?.Since ?? now;
            run = Close(run, before, after, dataBytes, now, laterPass: true);
            return Add(run, new RunPhaseSpan(RunPhaseKind.K2Pow, proving.NonceStart, start, null, now, 0, null));
        }

        return Close(run, before, after, dataBytes, now, laterPass: false);
    }

    /// <summary>The run ended (seen exited at <paramref name="now"/>): its open phase ends with it.</summary>
    public static RunRecord End(RunRecord run, DateTimeOffset now, int? exitCode)
    {
        if (run.OpenPhase is { } open)
        {
            run = Replace(run, open with { End = open.Kind == RunPhaseKind.Read ? open.Seen : now });
        }

        var outcome = run.DeliveredAt is not null ? RunOutcome.Delivered : run.StopAsked ? RunOutcome.Stopped : RunOutcome.Crashed;
        return run with { EndedAt = now, ExitCode = exitCode, Outcome = outcome };
    }

    /// <summary>
    /// Ends the open phase. A k2pow ends now (the read after it began between the last look and now). A read ends
    /// at its last sight, or, when a later pass is already in k2pow, now and at the end of the data (the pass found
    /// no proof, so it read everything); its rate is the one the planner learned from it in this pass.
    /// </summary>
    private static RunRecord Close(RunRecord run, ServiceMemory before, ServiceMemory after, ulong dataBytes, DateTimeOffset now, bool laterPass)
    {
        if (run.OpenPhase is not { } open)
        {
            return run;
        }

        if (open.Kind == RunPhaseKind.K2Pow)
        {
            return Replace(run, open with { End = now, Seen = now });
        }

        var learned = after.LastReadRate != before.LastReadRate ? after.LastReadRate : null;
        var from = before.PassRead is { } mark && mark.NonceStart == open.NonceStart ? mark.Position : (ulong?)null;
        var closed = laterPass && from is { } position && dataBytes > position
            ? open with { End = now, Seen = now, Bytes = dataBytes - position, Rate = now > open.Start ? (dataBytes - position) / (now - open.Start).TotalSeconds : null }
            : open with { End = open.Seen };
        return Replace(run, closed with { Rate = learned ?? closed.Rate });
    }

    private static RunRecord Add(RunRecord run, RunPhaseSpan phase) => run with { Phases = run.Phases.Add(phase) };

    private static RunRecord Replace(RunRecord run, RunPhaseSpan phase) => run with { Phases = run.Phases.SetItem(run.Phases.Count - 1, phase) };
}
