using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.K2PowService;

/// <summary>What a job request gets: k2pow-service's <c>JobStatus</c> or <c>JobError::TooManyJobs</c>.</summary>
public abstract record JobAnswer
{
    public sealed record Created : JobAnswer;

    public sealed record InProgress : JobAnswer;

    public sealed record Done(ulong Nonce) : JobAnswer;

    public sealed record Failed(string Error) : JobAnswer;

    public sealed record TooManyJobs : JobAnswer;
}

/// <summary>
/// The job manager of k2pow-service (post-rs <c>job_manager.rs</c>, <c>JobManager::get_or_create</c>): one job in
/// progress at a time; any other new job gets TooManyJobs (429), the same miner's other groups included; a known job
/// answers InProgress (201) or its result, which stays in memory for the life of the process. The search itself runs
/// on the simulated host's cores (shared with every k2pow of that host), <see cref="HostProfile.K2powSecondsPerUnitPerNonceGroup"/>
/// core-seconds per unit of work.
/// </summary>
public sealed class K2PowJobManager(K2PowServiceOptions options, HostProfile host, SimPlaces places, HostRecord record, Action<string> log, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<K2PowJob, Task<ulong>> _jobs = [];
    private readonly Random _random = host.Seed is { } seed ? new Random(seed) : new Random();
    private K2PowJob? _inProgress;

    public JobAnswer GetOrCreate(K2PowJob job)
    {
        lock (_gate)
        {
            if (_inProgress is { } current && _jobs[current].IsCompleted)
            {
                _inProgress = null;
            }

            if (_jobs.TryGetValue(job, out var known))
            {
                return !known.IsCompleted ? new JobAnswer.InProgress()
                    : known.IsCompletedSuccessfully ? new JobAnswer.Done(known.Result)
                    : new JobAnswer.Failed(known.Exception?.InnerException?.Message ?? "k2pow failed");
            }

            if (_inProgress is not null)
            {
                return new JobAnswer.TooManyJobs();
            }

            log($"took k2pow job: nonce group: {job.NonceGroup}, challenge: {job.Challenge}, difficulty: {job.Difficulty}, miner {job.Miner}");
            var nonce = (ulong)_random.NextInt64(0, long.MaxValue);
            _jobs[job] = Task.Run(() => ProveAsync(job, nonce));
            _inProgress = job;
            return new JobAnswer.Created();
        }
    }

    private async Task<ulong> ProveAsync(K2PowJob job, ulong nonce)
    {
        var threads = Math.Max(1, options.Threads(host.Cores));
        Record("k2pow-job-start", job, null);
        try
        {
            if (job.WorkInUnits(host.NetworkPowDifficulty) is not { } units)
            {
                // A zero difficulty can never be met: the simulator fails at once where the real search would exhaust.
                throw new InvalidOperationException("proof of work not found");
            }

            var coreMilliseconds = Math.Max(1, (long)Math.Round(units * host.K2powSecondsPerUnitPerNonceGroup * 1000));
            var pacer = new SharedThroughput(new LeaseFolder(places.K2powLeases, time), weights => host.CoresFor(threads, weights.Sum()) * 1000, time);
            await pacer.RunAsync(coreMilliseconds, coreMilliseconds, threads, (_, _) => ValueTask.FromResult(true), CancellationToken.None).ConfigureAwait(false);
            Record("k2pow-job-end", job, nonce);
            return nonce;
        }
        catch (InvalidOperationException ex)
        {
            Record("k2pow-job-failed", job, null, ex.Message);
            throw;
        }
    }

    private void Record(string @event, K2PowJob job, ulong? nonce, string? reason = null)
    {
        var fields = new Dictionary<string, object?>
        {
            ["worker"] = options.BindAddress,
            ["group"] = job.NonceGroup,
            ["challenge"] = job.Challenge,
        };
        if (nonce is { } n)
        {
            fields["result"] = n;
        }

        if (reason is not null)
        {
            fields["reason"] = reason;
        }

        try
        {
            record.Append(@event, job.Miner, "", "", fields);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log($"cannot append to {record.Path}: {ex.Message}");
        }
    }
}
