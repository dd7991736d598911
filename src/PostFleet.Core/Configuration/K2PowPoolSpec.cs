using System.Collections.Immutable;
using System.Net;

namespace PostFleet.Core.Configuration;

/// <summary>
/// The <c>k2pow:</c> section: a pool of k2pow-service workers behind PostFleet's k2pow router. Services of
/// <see cref="Disks"/> (all when empty) get <c>--remote-k2pow {ServiceUrl}</c>; a service named in
/// <see cref="Direct"/> gets its own worker's URL instead and bypasses the router.
/// </summary>
/// <param name="Listen">Where the router listens (an IP:port literal).</param>
/// <param name="ServiceUrl">The base URL post-services are given (default: http:// + <paramref name="Listen"/>).</param>
/// <param name="Parallelism">--remote-k2pow-parallelism given to routed services.</param>
/// <param name="Backoff">--remote-k2pow-backoff given to routed services (whole seconds).</param>
/// <param name="MaxPow">Services in k2pow on the pool at once (the planner's k2pow cap for pool services).</param>
/// <param name="Poll">How often the router asks workers about the jobs they run, and health-checks them.</param>
/// <param name="AllowFrom">Client networks allowed when <paramref name="Listen"/> is beyond loopback.</param>
public sealed record K2PowPoolSpec(
    IPEndPoint Listen,
    Uri ServiceUrl,
    int Parallelism,
    TimeSpan Backoff,
    int MaxPow,
    TimeSpan Poll,
    ImmutableArray<string> Disks,
    ImmutableArray<K2PowWorkerSpec> Workers,
    ManagedWorkersSpec? Managed,
    ImmutableDictionary<string, Uri> Direct,
    ImmutableArray<IPNetwork> AllowFrom)
{
    /// <summary>Every worker the router dispatches to: the external ones, then the managed ones by index.</summary>
    public IEnumerable<K2PowWorkerSpec> AllWorkers => Workers.Concat(Managed?.Expand() ?? []);

    /// <summary>True when the service's k2pow goes through the router.</summary>
    public bool Routes(ServiceSpec service) =>
        !Direct.ContainsKey(service.Name) && (Disks.IsEmpty || Disks.Contains(service.Disk));

    /// <summary>The k2pow-service URL a service is launched with, or null for local k2pow.</summary>
    public Uri? RemoteFor(ServiceSpec service) =>
        Direct.TryGetValue(service.Name, out var direct) ? direct : Routes(service) ? ServiceUrl : null;
}

/// <summary>
/// One k2pow-service worker. Its speed is <paramref name="HashRate"/> (H/s, measured) when given, else unknown until
/// learned; <paramref name="Cores"/> is what it was started with (0 = all), for display and managed launches.
/// </summary>
public sealed record K2PowWorkerSpec(string Name, Uri Url, int? Cores, double? HashRate, bool Managed);

/// <summary>
/// Workers PostFleet starts itself, on the fleet's runtime (local processes, or Docker containers on the host
/// network): <c>k2pow-service -b IP:PORT --cores N --randomx-mode M</c>.
/// </summary>
/// <param name="Listen">The first worker's address; worker i listens on the port after worker i-1's.</param>
public sealed record ManagedWorkersSpec(string Binary, int Count, int Cores, string RandomXMode, IPEndPoint Listen)
{
    /// <summary>
    /// The k2pow-service image when the fleet's runtime is Docker (<c>k2pow.managed.image</c>): its ENTRYPOINT is
    /// the k2pow-service binary and <see cref="Arguments"/> become its CMD. Unused on the process runtime.
    /// </summary>
    public string? Image { get; init; }

    public IEnumerable<K2PowWorkerSpec> Expand() =>
        Enumerable.Range(0, Count).Select(i => new K2PowWorkerSpec(
            $"k2pow-{i + 1}", new Uri($"http://{AddressOf(i)}"), Cores, null, Managed: true));

    /// <summary>
    /// The command line of worker <paramref name="index"/> (0-based), flags as k2pow-service declares them
    /// (post-rs k2pow-service/src/main.rs, <c>Cli</c>): <c>-b/--bind-address</c>, <c>--cores</c>, <c>--randomx-mode</c>.
    /// </summary>
    public IReadOnlyList<string> Arguments(int index) =>
        ["-b", AddressOf(index), "--cores", Cores.ToString(System.Globalization.CultureInfo.InvariantCulture), "--randomx-mode", RandomXMode];

    /// <summary>The -b value of worker <paramref name="index"/> (0-based).</summary>
    public string AddressOf(int index) => new IPEndPoint(Listen.Address, Listen.Port + index).ToString();
}
