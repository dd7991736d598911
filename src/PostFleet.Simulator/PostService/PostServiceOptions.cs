using System.Net;

namespace PostFleet.Simulator.PostService;

/// <summary>The post-service command line (post-rs 0.8.5, section 1 of the fact sheet), after parsing.</summary>
public sealed record PostServiceOptions
{
    public static readonly byte[] MainnetPowDifficulty = Convert.FromHexString("000dfb23b0979b4b" + new string('0', 48));

    public required string Dir { get; init; }

    public required string Address { get; init; }

    public ulong ReconnectIntervalSeconds { get; init; } = 5;

    public ulong? MaxRetries { get; init; }

    public int? WatchPid { get; init; }

    public IPEndPoint? OperatorAddress { get; init; }

    public uint MinNumUnits { get; init; } = 4;

    public uint MaxNumUnits { get; init; } = uint.MaxValue;

    public uint K1 { get; init; } = 26;

    public uint K2 { get; init; } = 37;

    public byte[] PowDifficulty { get; init; } = MainnetPowDifficulty;

    public ulong ScryptN { get; init; } = 8192;

    public uint ScryptR { get; init; } = 1;

    public uint ScryptP { get; init; } = 1;

    /// <summary>Null when not given (the default is 1); 0 = all cores.</summary>
    public int? Threads { get; init; }

    public IReadOnlyList<int>? PinnedCores { get; init; }

    public int Nonces { get; init; } = 128;

    public string RandomxMode { get; init; } = "Fast";

    public string? CaCert { get; init; }

    public string? Cert { get; init; }

    public string? Key { get; init; }

    public string? Domain { get; init; }

    public string? RemoteK2pow { get; init; }

    public ulong RemoteK2powParallelism { get; init; } = 5;

    public ulong RemoteK2powBackoffSeconds { get; init; } = 5;

    /// <summary>Given by old run scripts; removed in v0.7.2, accepted and ignored by the simulator.</summary>
    public bool LabelsPerUnitGiven { get; init; }

    /// <summary>Threads used for k2pow: pinned cores count, else --threads (0 = every core of the simulated host).</summary>
    public int EffectiveThreads(int hostCores) =>
        PinnedCores is { Count: > 0 } pinned ? pinned.Count : Threads switch
        {
            null => 1,
            0 => hostCores,
            var n => n.Value,
        };
}
