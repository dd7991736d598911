using System.Collections.Immutable;

namespace PostFleet.Bench;

public enum JobPhase
{
    Waiting,

    /// <summary>The process is up but not yet in k2pow (RandomX set-up; no /status position yet).</summary>
    Starting,
    K2Pow,
    Reading,
    Done,
}

/// <summary>What one identity's proof takes in one epoch: start-up seconds, then per pass its k2pow hashes and read-rate factor.</summary>
public sealed record IdentityWork(IdentitySpec Identity, double Startup, ImmutableArray<(double Hashes, double Jitter)> Passes);

/// <summary>One identity's proof in the current cycle gap.</summary>
public sealed class Job(IdentitySpec identity, double hashes, double bytes)
{
    public IdentitySpec Identity { get; } = identity;

    public double Hashes { get; } = hashes;

    public double Bytes { get; } = bytes;

    public JobPhase Phase { get; internal set; }

    /// <summary>The post-service process is up (from start until a strategy stops it, delivered or not).</summary>
    public bool Running { get; internal set; }

    public double HashesLeft { get; internal set; } = hashes;

    public double BytesLeft { get; internal set; } = bytes;

    /// <summary>Seconds of start-up left (<see cref="JobPhase.Starting"/>).</summary>
    public double StartupLeft { get; internal set; }

    /// <summary>This pass's factor on the read rate (1 without <see cref="Uncertainty"/>).</summary>
    public double ReadJitter { get; internal set; } = 1;

    /// <summary>Seconds this job's read had two or more readers on its disk, over the epoch.</summary>
    public double SharedReadSeconds { get; internal set; }

    public double Rate { get; internal set; }

    public double StartedAt { get; internal set; } = double.NaN;

    public double ReadStartedAt { get; internal set; } = double.NaN;

    public double DoneAt { get; internal set; } = double.NaN;

    public int Starts { get; internal set; }

    /// <summary>The pass of the current run, 0-based; a pass that finds no proof is followed by k2pow and a read again.</summary>
    public int Pass { get; internal set; }

    public double BytesRead => Bytes - BytesLeft;

    public double HashesDone => Hashes - HashesLeft;
}

/// <summary>
/// The fleet in virtual time (seconds since the cycle gap opened). A started service runs one k2pow pass (CPU,
/// shared by all k2pow of its host, or of the remote pool) and then reads all its data (its disk, shared by its
/// readers: each of n gets bw/n/(1+p(n−1)), capped by the host's scan rate); it delivers when the read ends.
/// Without <see cref="Uncertainty"/>: expected k2pow work, exact read rates and no start-up; with it, k2pow work,
/// read rates and start-up are drawn (that class says how). One pass that succeeds, or with <see cref="PassFailures"/>
/// passes that find no proof, each followed at once by another k2pow and read. Rates are piecewise constant between events.
/// </summary>
public sealed class FleetModel
{
    private const double Eps = 1e-9;
    private readonly List<Job>[] _byHost;
    private readonly int[] _readers;
    private readonly int[] _k2powByPool;
    private readonly PassFailures? _failures;
    private readonly Uncertainty? _uncertainty;
    private readonly int _epoch;

    public FleetModel(Topology topology, PassFailures? failures = null, int epoch = 0, Uncertainty? uncertainty = null)
    {
        Topology = topology;
        _failures = failures;
        _uncertainty = uncertainty;
        _epoch = epoch;
        Jobs = [.. topology.Identities.Select(i => new Job(i, topology.K2PowHashes(i), topology.DataBytes(i)))];
        _byHost = [.. topology.Hosts.Select(h => Jobs.Where(j => j.Identity.Host == h.Index).ToList())];
        _readers = new int[topology.Disks.Length];
        _k2powByPool = new int[topology.Remote is null ? topology.Hosts.Length : 1];
        PeakReaders = new int[topology.Disks.Length];
        OverlapSeconds = new double[topology.Disks.Length];
        PeakK2Pow = new int[_k2powByPool.Length];
        OverPowSlotsSeconds = new double[_k2powByPool.Length];
        PeakRunning = new int[topology.Hosts.Length];
        DiskBytesRead = new double[topology.Disks.Length];
        PoolHashes = new double[_k2powByPool.Length];
    }

    public Topology Topology { get; }

    public Job[] Jobs { get; }

    public double Now { get; private set; }

    public int[] PeakReaders { get; }

    /// <summary>Seconds each disk had two or more readers (the cost of a start the disk was not ready for).</summary>
    public double[] OverlapSeconds { get; }

    public int[] PeakK2Pow { get; }

    /// <summary>Seconds each k2pow pool had more jobs than its slots (<see cref="Topology.PowSlots"/>, the bench's max-pow).</summary>
    public double[] OverPowSlotsSeconds { get; }

    /// <summary>Passes that found no proof (each cost another k2pow and read).</summary>
    public int FailedPasses { get; private set; }

    public int[] PeakRunning { get; }

    /// <summary>Bytes each disk delivered to its readers, integrated over time (conservation checks).</summary>
    public double[] DiskBytesRead { get; }

    /// <summary>Hashes each k2pow pool computed, integrated over time.</summary>
    public double[] PoolHashes { get; }

    /// <summary>Runs stopped before delivering (their work is lost and the identity starts over).</summary>
    public int LostRuns { get; private set; }

    public IReadOnlyList<Job> JobsOf(int host) => _byHost[host];

    public bool AllDone => Jobs.All(j => j.Phase == JobPhase.Done);

    public double Makespan => Jobs.Max(j => j.DoneAt);

    public int ReadersOf(int disk) => _readers[disk];

    public int InK2PowOfPool(int host) => _k2powByPool[PoolOf(host)];

    public int RunningOn(int host) => _byHost[host].Count(j => j.Running);

    public void Start(Job job)
    {
        if (job.Running || job.Phase == JobPhase.Done)
        {
            throw new InvalidOperationException($"{job.Identity.Name} started twice");
        }

        job.Running = true;
        job.Starts++;
        job.StartedAt = Now;
        job.Pass = 0;
        job.BytesLeft = job.Bytes;
        job.StartupLeft = _uncertainty?.Startup(Topology, _epoch, job.Identity) ?? 0;
        if (job.StartupLeft > 0)
        {
            job.Phase = JobPhase.Starting;
        }
        else
        {
            BeginK2Pow(job);
        }

        Recompute();
    }

    /// <summary>
    /// What the identity's proof takes in this epoch with these draws, whatever the schedule: its start-up, and per
    /// pass up to the first that finds a proof, the k2pow hashes and the read-rate factor (the upper bound's input).
    /// </summary>
    public static IdentityWork WorkOf(Topology topology, IdentitySpec identity, int epoch, PassFailures? failures, Uncertainty? uncertainty)
    {
        var passes = new List<(double Hashes, double Jitter)>();
        for (var pass = 0; ; pass++)
        {
            var mean = topology.K2PowHashes(identity);
            passes.Add((uncertainty?.K2PowHashes(topology, epoch, identity, pass, mean) ?? mean, uncertainty?.ReadJitter(epoch, identity, pass) ?? 1));
            if (failures is null || !failures.Fails(epoch, identity, pass) || pass > 1000)
            {
                break;
            }
        }

        return new IdentityWork(identity, uncertainty?.Startup(topology, epoch, identity) ?? 0, [.. passes]);
    }

    private void BeginK2Pow(Job job)
    {
        job.Phase = JobPhase.K2Pow;
        job.StartupLeft = 0;
        job.ReadJitter = _uncertainty?.ReadJitter(_epoch, job.Identity, job.Pass) ?? 1;
        job.HashesLeft = _uncertainty?.K2PowHashes(Topology, _epoch, job.Identity, job.Pass, job.Hashes) ?? job.Hashes;
        if (job.HashesLeft <= 0)
        {
            BeginRead(job);
        }
    }

    /// <summary>Stops the process. A delivered one just exits; one still proving loses all its progress.</summary>
    public void Stop(Job job)
    {
        if (!job.Running)
        {
            return;
        }

        job.Running = false;
        if (job.Phase is JobPhase.Starting or JobPhase.K2Pow or JobPhase.Reading)
        {
            LostRuns++;
            job.Phase = JobPhase.Waiting;
            job.HashesLeft = job.Hashes;
            job.BytesLeft = job.Bytes;
        }

        Recompute();
    }

    /// <summary>When the next k2pow or read ends at the current rates (+∞ when nothing progresses).</summary>
    public double NextEventTime()
    {
        var next = double.PositiveInfinity;
        foreach (var job in Jobs)
        {
            var left = job.Phase switch
            {
                JobPhase.Starting => job.StartupLeft,
                JobPhase.K2Pow => job.HashesLeft,
                JobPhase.Reading => job.BytesLeft,
                _ => double.NaN,
            };
            if (!double.IsNaN(left) && job.Rate > 0)
            {
                next = Math.Min(next, Now + (left / job.Rate));
            }
        }

        return next;
    }

    /// <summary>Moves time to <paramref name="t"/>; returns the hosts where a phase ended.</summary>
    public HashSet<int> AdvanceTo(double t)
    {
        var dt = t - Now;
        var changed = new HashSet<int>();
        if (dt < 0)
        {
            throw new InvalidOperationException("time runs forward only");
        }

        for (var d = 0; d < _readers.Length; d++)
        {
            if (_readers[d] >= 2)
            {
                OverlapSeconds[d] += dt;
            }
        }

        for (var p = 0; p < _k2powByPool.Length; p++)
        {
            if (_k2powByPool[p] > Topology.PowSlots(p))
            {
                OverPowSlotsSeconds[p] += dt;
            }
        }

        Now = t;
        foreach (var job in Jobs)
        {
            if (job.Phase == JobPhase.Starting)
            {
                job.StartupLeft -= job.Rate * dt;
                if (job.StartupLeft <= 1e-7 || (job.Rate > 0 && job.StartupLeft / job.Rate < 1e-7))
                {
                    BeginK2Pow(job);
                    changed.Add(job.Identity.Host);
                }
            }
            else if (job.Phase == JobPhase.K2Pow)
            {
                PoolHashes[PoolOf(job.Identity.Host)] += Math.Min(job.HashesLeft, job.Rate * dt);
                job.HashesLeft -= job.Rate * dt;
                if (job.HashesLeft <= Eps * Math.Max(1, job.Hashes) || (job.Rate > 0 && job.HashesLeft / job.Rate < 1e-7))
                {
                    PoolHashes[PoolOf(job.Identity.Host)] += Math.Max(0, job.HashesLeft);
                    job.HashesLeft = 0;
                    BeginRead(job);
                    changed.Add(job.Identity.Host);
                }
            }
            else if (job.Phase == JobPhase.Reading)
            {
                if (_readers[job.Identity.Disk] >= 2)
                {
                    job.SharedReadSeconds += dt;
                }

                DiskBytesRead[job.Identity.Disk] += Math.Min(job.BytesLeft, job.Rate * dt);
                job.BytesLeft -= job.Rate * dt;
                if (job.BytesLeft <= Eps * Math.Max(1, job.Bytes) || (job.Rate > 0 && job.BytesLeft / job.Rate < 1e-7))
                {
                    DiskBytesRead[job.Identity.Disk] += Math.Max(0, job.BytesLeft);
                    job.BytesLeft = 0;
                    changed.Add(job.Identity.Host);
                    if (_failures is { } f && f.Fails(_epoch, job.Identity, job.Pass))
                    {
                        FailedPasses++;
                        job.Pass++;
                        job.BytesLeft = job.Bytes;
                        BeginK2Pow(job);
                        continue;
                    }

                    job.Phase = JobPhase.Done;
                    job.DoneAt = Now;
                }
            }
        }

        if (changed.Count > 0)
        {
            Recompute();
        }

        return changed;
    }

    private void BeginRead(Job job)
    {
        job.Phase = JobPhase.Reading;
        job.ReadStartedAt = Now;
    }

    private int PoolOf(int host) => Topology.Remote is null ? host : 0;

    private void Recompute()
    {
        Array.Clear(_readers);
        Array.Clear(_k2powByPool);
        foreach (var job in Jobs)
        {
            if (job.Phase == JobPhase.Reading)
            {
                _readers[job.Identity.Disk]++;
            }
            else if (job.Phase is JobPhase.K2Pow or JobPhase.Starting)
            {
                _k2powByPool[PoolOf(job.Identity.Host)]++;
            }
        }

        foreach (var job in Jobs)
        {
            job.Rate = job.Phase switch
            {
                // RandomX set-up (fast mode: the ~2 GiB dataset) is CPU work like k2pow: it shares the pool the same way.
                JobPhase.Starting => K2PowRate(job.Identity) / Topology.SoloK2PowRate(job.Identity),
                JobPhase.K2Pow => K2PowRate(job.Identity),
                JobPhase.Reading => ReadRate(job.Identity) * job.ReadJitter,
                _ => 0,
            };
        }

        for (var d = 0; d < _readers.Length; d++)
        {
            PeakReaders[d] = Math.Max(PeakReaders[d], _readers[d]);
        }

        for (var p = 0; p < _k2powByPool.Length; p++)
        {
            PeakK2Pow[p] = Math.Max(PeakK2Pow[p], _k2powByPool[p]);
        }

        for (var h = 0; h < _byHost.Length; h++)
        {
            PeakRunning[h] = Math.Max(PeakRunning[h], RunningOn(h));
        }
    }

    private double K2PowRate(IdentitySpec id)
    {
        var n = _k2powByPool[PoolOf(id.Host)];
        if (Topology.Remote is { } r)
        {
            return Math.Min(Topology.SoloK2PowRate(id), r.Workers * r.HashRate / n);
        }

        var host = Topology.Hosts[id.Host];
        return Math.Min(Topology.SoloK2PowRate(id), host.Cores * host.HashRatePerCore / n);
    }

    private double ReadRate(IdentitySpec id)
    {
        var disk = Topology.Disks[id.Disk];
        var n = _readers[id.Disk];
        return Math.Min(disk.Bandwidth / n / (1 + (disk.Penalty * (n - 1))), Topology.Hosts[id.Host].ScanRate);
    }
}
