using PostFleet.Core.Runs;

namespace PostFleet.Storage;

/// <summary>Schema step 5: each run's phases, as the run model has them.</summary>
public sealed partial class FleetHistory
{
    /// <summary>Writes a run's phases from <paramref name="from"/> on (earlier ones are written and closed).</summary>
    public void RecordRunPhases(string service, string instanceId, IReadOnlyList<RunPhaseSpan> phases, int from = 0)
    {
        for (var seq = Math.Max(0, from); seq < phases.Count; seq++)
        {
            var p = phases[seq];
            Queue(
                "INSERT OR REPLACE INTO run_phases (service, instance_id, seq, kind, nonce_start, started_at, ended_at, bytes, rate) VALUES ($s, $i, $q, $k, $n, $a, $e, $b, $r)",
                ("$s", service), ("$i", instanceId), ("$q", seq), ("$k", KindName(p.Kind)), ("$n", (long)p.NonceStart), ("$a", Text(p.Start)),
                ("$e", p.End is { } end ? Text(end) : null), ("$b", (long)p.Bytes), ("$r", p.Rate));
        }
    }

    public static string KindName(RunPhaseKind kind) => kind == RunPhaseKind.K2Pow ? "k2pow" : "read";
}
