using PostFleet.Core.Model;

namespace PostFleet.InProcess.Tests.Fakes;

/// <summary>What goes wrong with a service's first run (as a SIGKILL or a hang would), or with every run.</summary>
public enum ServiceFault
{
    None,

    /// <summary>Exits (SIGKILL: 137) halfway through its first k2pow.</summary>
    CrashInK2Pow,

    /// <summary>Exits (SIGKILL: 137) halfway through its first read.</summary>
    CrashInRead,

    /// <summary>Stops making progress halfway through its first read and never exits by itself.</summary>
    HangInRead,

    /// <summary>Its first pass finds no proof: it reads all its data, then k2pow and a read again for the next nonces.</summary>
    FailFirstPass,

    /// <summary>Every run exits 1 at start, as post-service does on metadata it cannot load.</summary>
    ExitAtStart,
}

/// <summary>
/// One run of a post-service, as post-service.md describes it toward the node and the operator: /status answers
/// once it listens; a proof request starts k2pow for the first nonce range (position 0), then a read of all the
/// data (position in bytes); a pass that finds no proof goes on with the next nonces (k2pow again); the finished
/// proof is held (DoneProving) until the node fetches it. Time moves only when the world ticks it.
/// </summary>
public sealed class FakePostService(string identity, string instanceId, string disk, string operatorAddress, ulong dataBytes, int nonces, DateTimeOffset startedAt, ServiceFault fault)
{

    /// <summary>Start to listening on the operator address and connecting to the node.</summary>
    public static readonly TimeSpan StartupDelay = TimeSpan.FromSeconds(1);

    private readonly List<string> _log = ["INFO post_service: starting"];
    private ulong _position;
    private ulong _nonceStart;
    private DateTimeOffset _k2PowEnds;
    private bool _reading;
    private bool _done;
    private bool _hung;

    public string Identity { get; } = identity;

    public string InstanceId { get; } = instanceId;

    public string Disk { get; } = disk;

    public string OperatorAddress { get; } = operatorAddress;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public bool Running => ExitCode is null;

    public int? ExitCode { get; private set; }

    /// <summary>The challenge it proves for (null before the node asked).</summary>
    public string? Challenge { get; private set; }

    /// <summary>Connected to the node (registered on its post listener); lost when the node goes away.</summary>
    public bool Connected { get; set; }

    public bool InK2Pow => Running && Challenge is not null && !_reading && !_done;

    public bool Reading => Running && _reading && !_done;

    public bool HasProof(string challenge) => Running && _done && Challenge == challenge;

    public IReadOnlyList<string> Log => _log;

    public ServiceStatus StatusAt(DateTimeOffset now) =>
        !Running || now - StartedAt < StartupDelay ? new ServiceStatus.Unreachable("connection refused")
        : _done ? new ServiceStatus.DoneProving()
        : Challenge is null ? new ServiceStatus.Idle()
        : new ServiceStatus.Proving(_nonceStart, _nonceStart + (ulong)nonces, _reading ? _position : 0);

    /// <summary>The node's GenProof: a new challenge starts a proof; the same one goes on (post-service keeps it).</summary>
    public void Prove(string challenge, DateTimeOffset now, TimeSpan k2Pow)
    {
        if (Challenge == challenge)
        {
            return;
        }

        Challenge = challenge;
        (_done, _reading, _position, _nonceStart) = (false, false, 0, 0);
        _k2PowEnds = now + k2Pow;
        _log.Add($"INFO post_service: proving challenge {challenge}");
    }

    /// <summary>The node took the proof.</summary>
    public void Fetched()
    {
        (_done, Challenge) = (false, null);
    }

    /// <summary>One step of the world: <paramref name="readBytes"/> is this run's share of its disk in the step.</summary>
    public void Advance(DateTimeOffset now, TimeSpan k2Pow, ulong readBytes)
    {
        if (fault == ServiceFault.ExitAtStart)
        {
            Exit(1, "Error: loading POST metadata: invalid NumUnits");
            return;
        }

        if (!Running || Challenge is null || _done || _hung)
        {
            return;
        }

        if (!_reading)
        {
            if (fault == ServiceFault.CrashInK2Pow && now >= _k2PowEnds - (k2Pow / 2))
            {
                Exit(137, "killed in k2pow");
                return;
            }

            if (now >= _k2PowEnds)
            {
                _reading = true;
            }

            return;
        }

        _position = Math.Min(dataBytes, _position + readBytes);
        if (_nonceStart == 0 && _position >= dataBytes / 2)
        {
            switch (fault)
            {
                case ServiceFault.CrashInRead:
                    Exit(137, "killed in read");
                    return;
                case ServiceFault.HangInRead:
                    _hung = true;
                    return;
            }
        }

        if (_position < dataBytes)
        {
            return;
        }

        if (fault == ServiceFault.FailFirstPass && _nonceStart == 0)
        {
            // No label of this pass met the target: the next nonce range, k2pow first.
            (_nonceStart, _reading, _position) = ((ulong)nonces, false, 0);
            _k2PowEnds = now + k2Pow;
            return;
        }

        _done = true;
    }

    /// <summary>SIGTERM: post-service has no handler, so it ends at once (143).</summary>
    public void Terminate() => Exit(143, "terminated");

    private void Exit(int code, string why)
    {
        if (Running)
        {
            ExitCode = code;
            Connected = false;
            _log.Add($"ERROR post_service: {why}");
        }
    }
}
