using System.Collections.Immutable;

namespace PostFleet.Core.Runs;

/// <summary>How a run ended.</summary>
public enum RunOutcome
{
    /// <summary>The node took its proof (postComplete while it ran).</summary>
    Delivered,

    /// <summary>It exited after the planner asked it to stop.</summary>
    Stopped,

    /// <summary>It exited by itself without delivering.</summary>
    Crashed,
}

/// <summary>One post-service run and what it did: its phases in order, the proof it delivered and how it ended.</summary>
public sealed record RunRecord(string Service, string InstanceId, DateTimeOffset StartedAt, uint? PublishEpoch)
{
    public ImmutableList<RunPhaseSpan> Phases { get; init; } = [];

    public DateTimeOffset? DeliveredAt { get; init; }

    /// <summary>The challenge (hex) of the proof the node took from this run.</summary>
    public string? Challenge { get; init; }

    /// <summary>A stop was asked for this run (so its exit is not a crash).</summary>
    public bool StopAsked { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public int? ExitCode { get; init; }

    public RunOutcome? Outcome { get; init; }

    public RunPhaseSpan? OpenPhase => Phases.Count > 0 && Phases[^1].Open ? Phases[^1] : null;

    /// <summary>The run's first sight in k2pow and in a read (the history's runs.k2pow_at and read_at).</summary>
    public DateTimeOffset? FirstAt(RunPhaseKind kind) => Phases.FirstOrDefault(p => p.Kind == kind)?.Start;
}
