using PostFleet.Core.Runs;
using PostFleet.Storage;

namespace PostFleet.Daemon.View;

/// <summary>
/// A service's run journal (GET /api/v1/services/{name}/runs): its runs, newest first, each with its phases.
/// <see cref="At"/> is the last pass's time: an open phase (<c>end</c> null) has lasted until then.
/// </summary>
public sealed record RunsView(string Service, DateTimeOffset At, IReadOnlyList<RunView> Runs);

/// <summary>One run: <see cref="Outcome"/> is delivered, stopped or crashed once it ended (null while it runs).</summary>
public sealed record RunView(
    string InstanceId,
    DateTimeOffset StartedAt,
    uint? PublishEpoch,
    IReadOnlyList<RunPhaseView> Phases,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? EndedAt,
    int? ExitCode,
    string? Outcome);

/// <summary>One phase of a pass: <see cref="Kind"/> k2pow or read; a read's <see cref="Bytes"/> and rate in bytes/s.</summary>
public sealed record RunPhaseView(string Kind, ulong NonceStart, DateTimeOffset Start, DateTimeOffset? End, double Seconds, ulong Bytes, double? Rate);

internal static class RunsViewBuilder
{
    /// <summary>The journal's rows with the live runs of the last pass over them (the journal may lag a pass, or not take writes).</summary>
    public static RunsView Build(string service, DateTimeOffset at, IReadOnlyList<RunRow> rows, IReadOnlyDictionary<string, IReadOnlyList<RunPhaseSpan>> phases, RunLedger live, int limit)
    {
        var runs = rows.Select(r => new RunView(r.InstanceId, r.StartedAt, r.PublishEpoch, Phases(phases.GetValueOrDefault(r.InstanceId) ?? [], at), r.DeliveredAt, r.EndedAt, r.ExitCode, r.Outcome))
            .ToDictionary(r => r.InstanceId, StringComparer.Ordinal);
        foreach (var run in live.Live.Values.Where(r => r.Service == service))
        {
            runs[run.InstanceId] = new RunView(run.InstanceId, run.StartedAt, run.PublishEpoch, Phases(run.Phases, at), run.DeliveredAt, null, null, null);
        }

        return new RunsView(service, at, [.. runs.Values.OrderByDescending(r => r.StartedAt).Take(limit)]);
    }

    private static List<RunPhaseView> Phases(IReadOnlyList<RunPhaseSpan> phases, DateTimeOffset at) =>
        [.. phases.Select(p => new RunPhaseView(FleetHistory.KindName(p.Kind), p.NonceStart, p.Start, p.End, p.Seconds(at), p.Bytes, p.Rate))];
}
