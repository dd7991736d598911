namespace PostFleet.Doctor.Probes.Remote;

/// <summary>
/// What one probe found at its site: why it could not run (<see cref="NotRun"/>), else its lines (what it dialled and
/// bound there), what the daemon's side read at each operator address (null: the probe's own answer came back), and
/// a problem with the run itself (it never got ready, it ended early).
/// </summary>
public sealed record ProbeOutcome(string? NotRun, IReadOnlyList<ProbeLine> Lines, IReadOnlyDictionary<string, string?> Reads, string? Problem = null)
{
    public static ProbeOutcome NotRunBecause(string reason) => new(reason, [], new Dictionary<string, string?>());
}
