using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>
/// Whether a live run's silent /status is its start-up. post-service answers /status at once until the node's first
/// GenProof of a proof; that GenProof then builds the PoW prover holding the lock /status needs (post-rs
/// service/src/service.rs, <c>PostService::gen_proof</c>; in fast RandomX mode a 2 GiB dataset, tens of seconds on
/// one core, per proof), so a healthy service answers nothing until its proof has begun. A run that has not yet
/// shown proving work and whose /status does not answer is therefore starting, not unreachable, for a while after
/// its start: <see cref="Allowance"/>, beyond which silence is a fault again. A run that has shown work and then
/// goes silent is not starting (it is hung, or its operator endpoint is).
/// </summary>
public static class RunStartup
{
    /// <summary>Longer than a fast-mode build on a slow CPU (a minute or two), so a first start is never called unreachable.</summary>
    public static readonly TimeSpan MinimumAllowance = TimeSpan.FromMinutes(5);

    /// <summary>How long silence after a start counts as start-up: the minimum, or three of this service's learned start-ups.</summary>
    public static TimeSpan Allowance(ServiceMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        return memory.LastStartup is { } learned && learned * 3 > MinimumAllowance ? learned * 3 : MinimumAllowance;
    }

    /// <param name="memory">The service's memory after this pass folded <paramref name="run"/> (Plan.Next).</param>
    public static bool IsStartingUp(RuntimeInstance? run, ServiceStatus? status, ServiceMemory memory, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(memory);
        return run is { Running: true }
            && status is ServiceStatus.Unreachable
            && memory.RunId == run.InstanceId
            && memory.Progress is null
            && !memory.RunHoldsWork
            && now - run.StartedAt < Allowance(memory);
    }
}
