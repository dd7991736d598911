namespace PostFleet.Core.Configuration;

/// <summary>
/// Defaults for keys a config may leave out. Where the real post-service or postcli has a flag, the default is
/// that program's own (post-service.md §1 and §5), so leaving a key out behaves like leaving the flag out.
/// Keep docs/configuration.md in step with this file.
/// </summary>
public static class ConfigDefaults
{
    // Node listeners. The public and private ones are go-spacemesh's own defaults (api/grpcserver/config.go,
    // DefaultConfig; the public one is dialled on loopback). grpc-post-listener has no usable default: since 1.4.2
    // the node binds it to 127.0.0.1:0, a random port, so node.post-listener must be given. PostListener only keeps
    // a spec whole while its error is reported; it is never used for a config that validates.
    public const string PostListener = "http://127.0.0.1:9094";

    public const string PostListenerRequired =
        "set it to the node's grpc-post-listener (grpc-tls-listener with mTLS), e.g. http://127.0.0.1:9094. It has no default: since go-spacemesh 1.4.2 the node's own default is 127.0.0.1:0, a random port, so give the node a fixed grpc-post-listener in its config.json and the same address here";
    public const string PublicListener = "127.0.0.1:9092";
    public const string PrivateListener = "127.0.0.1:9093";

    // PoET timings: mainnet's. No node API serves them, so a test network must set them.
    public static readonly TimeSpan PhaseShift = TimeSpan.FromHours(240);
    public static readonly TimeSpan CycleGap = TimeSpan.FromHours(12);
    public static readonly TimeSpan GracePeriod = TimeSpan.FromHours(1);

    // Bare names are looked up on PATH at run time, like a shell would.
    public const string ServiceBinary = "post-service";
    public const string PostcliBinary = "postcli";

    public const ulong LabelsPerUnit = 4_294_967_296;      // postcli -labelsPerUnit (mainnet, 64 GiB per unit)
    public const uint ScryptN = 8192;                       // postcli -scryptN, post-service -n
    public const uint K1 = 26;                              // post-service --k1 (mainnet)
    public const uint K2 = 37;                              // post-service --k2 (mainnet)
    public const string PowDifficulty = "000dfb23b0979b4b000000000000000000000000000000000000000000000000";
    public const string RandomXMode = "fast";               // post-service --randomx-mode
    public const int Threads = 1;                           // post-service --threads (0 = all cores)
    public const int Nonces = 128;                          // post-service --nonces
    public const uint MinNumUnits = 4;                      // post-service --min-num-units
    public const uint MaxNumUnits = uint.MaxValue;          // post-service --max-num-units
    public const uint Provider = uint.MaxValue;             // postcli -provider: 4294967295 is the CPU provider

    public const RuntimeKind Runtime = RuntimeKind.Process;

    // Schedule: one reader per disk (a second reader makes both seek), two k2pow (CPU) phases at once.
    public const int PerDisk = 1;
    public const int MaxPow = 2;
    public const int MaxRunning = 0;

    /// <summary>SIGTERM to kill. post-service has no signal handler, so it normally dies at once.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Long on purpose: during k2pow neither nonces nor position move, and k2pow of one pass can take hours on
    /// mainnet (post-service.md §4.2). A false alarm costs all proving progress; 0 turns the check off.
    /// </summary>
    public static readonly TimeSpan NoProgressTimeout = TimeSpan.FromHours(3);

    /// <summary>The node is IDLE only after it received the proof, so a short wait is enough.</summary>
    public static readonly TimeSpan IdleStopGrace = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan RestartBackoffInitial = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan RestartBackoffMax = TimeSpan.FromMinutes(5);

    /// <summary>How long a started service is assumed to be in (or about to enter) k2pow whatever its /status says.</summary>
    public static readonly TimeSpan StartupGrace = TimeSpan.FromSeconds(30);

    // k2pow pool (docs/k2pow-pool.md): the router's listener, the first managed worker's, post-rs' own defaults
    // for --remote-k2pow-backoff (service/src/main.rs) and k2pow-service's program name.
    public const string K2PowListen = "127.0.0.1:9130";
    public const string K2PowManagedListen = "127.0.0.1:3100";
    public const string K2PowBinary = "k2pow-service";
    public static readonly TimeSpan K2PowBackoff = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan K2PowPoll = TimeSpan.FromSeconds(1);

    /// <summary>How often the loop looks again when nothing is changing.</summary>
    public static readonly TimeSpan Resync = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Pipelined: on the bench's over-subscribed and fitting topologies it is the mode that meets issue 13's goals
    /// (docs/scheduling.md, "The default mode"); exclusive idles a disk through every start-up and k2pow. It waits for
    /// the disk like exclusive until it has learned estimates, and weighs each overlap before taking it.
    /// </summary>
    public const ScheduleMode Mode = ScheduleMode.Pipelined;

    /// <summary>Pipelined mode: k2pow is timed to end this long after the disk is predicted to free up.</summary>
    public static readonly TimeSpan PipelineMargin = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Percent chance a start may take that re-entries (failed passes) push k2pow over max-pow while it runs. 1 holds
    /// a slot for every reader at 128 nonces (4.3% of passes fail) or fewer, but not at 288 (0.08%), where holding
    /// the CPU idle for every read that ends costs far more (docs/scheduling.md).
    /// </summary>
    public const int MaxPowRiskPercent = 1;

    public const ShutdownPolicy OnShutdown = ShutdownPolicy.LeaveRunning;

    public const string StateDirectory = ".postfleet";

    /// <summary>The name of the single <c>node:</c> (its label in the API and metrics).</summary>
    public const string NodeName = "node";

    /// <summary>The history database's file name inside the state folder (history.path overrides the whole path).</summary>
    public const string HistoryFile = "history.db";

    /// <summary>Three months: enough to compare epochs across a season, small enough that the file stays tiny.</summary>
    public static readonly TimeSpan HistoryRetention = TimeSpan.FromDays(90);

    /// <summary>Restarts within one cycle gap from which a service counts as crash-looping.</summary>
    public const int CrashLoopRestarts = 3;

    public const bool PredictedMiss = true;
}
