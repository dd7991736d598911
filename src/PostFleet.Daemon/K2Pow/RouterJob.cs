using PostFleet.Core.Configuration;

namespace PostFleet.Daemon.K2Pow;

public enum RouterJobState
{
    /// <summary>Waiting for a free worker; the service is told 201.</summary>
    Queued,

    /// <summary>Being handed to a worker in this round.</summary>
    Dispatching,

    /// <summary>A worker answered 201 and holds it.</summary>
    Running,

    /// <summary>A worker answered 200 or 500; the same answer goes to every later ask.</summary>
    Done,
}

/// <summary>One job the router holds from the first ask until its result has been kept long enough to be fetched.</summary>
public sealed class RouterJob(K2PowJobKey key, long sequence, DateTimeOffset queuedAt)
{
    public K2PowJobKey Key { get; } = key;

    /// <summary>Arrival order: the tie-break after priority and nonce group.</summary>
    public long Sequence { get; } = sequence;

    public DateTimeOffset QueuedAt { get; } = queuedAt;

    public RouterJobState State { get; set; } = RouterJobState.Queued;

    public PoolWorker? Worker { get; set; }

    public DateTimeOffset? DispatchedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>How many times a worker accepted it (201): more than one means a worker was lost with it.</summary>
    public int Dispatches { get; set; }

    public int Status { get; set; }

    public string Body { get; set; } = "";

    /// <summary>The last worker that had it, for the record when it is done.</summary>
    public string? WorkerName { get; set; }
}

/// <summary>One worker as the router sees it.</summary>
public sealed class PoolWorker(K2PowWorkerSpec spec)
{
    public K2PowWorkerSpec Spec { get; } = spec;

    public string Name => Spec.Name;

    /// <summary>Null until the first health check or job answer.</summary>
    public bool? Healthy { get; set; }

    public string Detail { get; set; } = "not checked yet";

    /// <summary>The job it holds for the router (dispatching or running).</summary>
    public RouterJob? Job { get; set; }

    /// <summary>It answered 429 to a job of ours: it runs something the router does not know (from before a restart, or another client).</summary>
    public bool BusyElsewhere { get; set; }

    /// <summary>Hashes per second learned from the jobs it finished (expected hashes ÷ seconds), smoothed.</summary>
    public double? LearnedHashRate { get; set; }

    public int JobsDone { get; set; }

    public int JobsLost { get; set; }

    public DateTimeOffset? LastAnswer { get; set; }

    public bool Free => Healthy == true && Job is null;
}

/// <summary>Where a miner's jobs go in the queue: lower rank first. Unknown miners come last, first come first served.</summary>
public readonly record struct JobPriority(string? Service, int Rank)
{
    public static readonly JobPriority Unknown = new(null, int.MaxValue);
}
