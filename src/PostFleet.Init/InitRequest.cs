using PostFleet.Core.Configuration;
using PostFleet.Core.Init;
using PostFleet.Core.Ports;
using PostFleet.Init.Inspection;

namespace PostFleet.Init;

/// <summary>One `postfleet init` invocation: the config plus the command-line options.</summary>
public sealed record InitRequest(FleetSpec Fleet)
{
    /// <summary>Only these identities (--only); empty means all, always in config order.</summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    public bool DryRun { get; init; }

    /// <summary>--commitment-atx: wins over the config and the node.</summary>
    public string? CommitmentAtxHex { get; init; }

    public bool RemoveLocalKey { get; init; }

    /// <summary>--max-parallel: postcli runs at once over all disks.</summary>
    public int MaxParallel { get; init; } = InitCaps.Default.Global;
}

/// <summary>What init needs from outside. <see cref="Node"/> may be null when no node client is wired or wanted.</summary>
public sealed record InitDependencies(INodeClient? Node, TimeProvider Time)
{
    public IFreeSpaceProbe FreeSpace { get; init; } = new DriveFreeSpaceProbe();

    /// <summary>Per node call: a node that does not answer in this time counts as unreachable.</summary>
    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long postcli gets after SIGINT to flush its current file before it is killed.</summary>
    public TimeSpan InterruptGrace { get; init; } = TimeSpan.FromSeconds(30);
}
