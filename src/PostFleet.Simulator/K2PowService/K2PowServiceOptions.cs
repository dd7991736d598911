namespace PostFleet.Simulator.K2PowService;

/// <summary>
/// The k2pow-service command line (post-rs <c>k2pow-service/src/main.rs</c>, struct <c>Cli</c>), after parsing:
/// <c>-b/--bind-address</c> (default 0.0.0.0:3000), <c>--cores</c> (u8, 0 = all), <c>--randomx-mode fast|light</c>,
/// <c>--randomx-large-pages</c>.
/// </summary>
public sealed record K2PowServiceOptions
{
    public string BindAddress { get; init; } = "0.0.0.0:3000";

    public byte Cores { get; init; }

    public string RandomxMode { get; init; } = "fast";

    public bool LargePages { get; init; }

    /// <summary>Threads one job uses on a host with <paramref name="hostCores"/> cores (0 = every core).</summary>
    public int Threads(int hostCores) => Cores == 0 ? hostCores : Cores;
}
