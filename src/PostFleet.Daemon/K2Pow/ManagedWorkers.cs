using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Runtime.Docker;
using PostFleet.Runtime.Kubernetes;
using PostFleet.Runtime.Process;

namespace PostFleet.Daemon.K2Pow;

/// <summary>
/// The k2pow-service processes PostFleet runs itself (<c>k2pow.managed</c>): <c>k2pow-service -b IP:PORT --cores N
/// --randomx-mode M</c>, one per port from <c>managed.listen</c> on, on a runtime of their own (its own run records
/// under state-dir/k2pow, so they never mix with post-services). A worker that ended is started again after
/// schedule.restart-backoff (doubling up to its max, back to the start once a run lived past the max). Like
/// post-services they outlive the daemon and are adopted by their run records when it starts again.
/// </summary>
public sealed class ManagedWorkers(ManagedWorkersSpec spec, ScheduleLimits schedule, IServiceRuntime runtime, string logDirectory, TimeProvider time, ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Slot> _slots = [];

    private sealed class Slot
    {
        public RuntimeInstance? Run { get; set; }

        public int Restarts { get; set; }

        public int Attempt { get; set; }

        public DateTimeOffset? NextStartAt { get; set; }

        public string? LastExit { get; set; }
    }

    /// <summary>What a managed worker's container is labelled with after the fleet id, so post-service adoption never lists it.</summary>
    public const string FleetIdSuffix = ".k2pow";

    /// <summary>
    /// The runtime the workers run on: the fleet's own. Processes keep their run records under
    /// <paramref name="folder"/>/runs; Docker containers and Kubernetes pods carry the labels of a fleet of their own
    /// (the fleet id + <see cref="FleetIdSuffix"/>). Containers are on the host network so <c>-b IP:PORT</c> is the
    /// address the router dials; pods are reached through <see cref="RouteFor"/>.
    /// </summary>
    public static IServiceRuntime RuntimeFor(FleetSpec fleet, ManagedWorkersSpec spec, string folder, TimeProvider time, ILoggerFactory loggers) => fleet.Runtime switch
    {
        RuntimeKind.Docker => new DockerRuntime(Runtimes.RuntimeFactory.DockerOptions(fleet) with
        {
            FleetId = fleet.FleetId + FleetIdSuffix,
            Image = ImageOf(spec, "docker"),
            K2PowWorkers = true,
            Network = "host",
            ServiceDisks = ImmutableDictionary<string, string>.Empty,
            Logger = loggers.CreateLogger<DockerRuntime>(),
        }, time),
        RuntimeKind.Kubernetes => KubernetesRuntime.FromDefaultConfig(KubernetesOptions(fleet, spec) with { Logger = loggers.CreateLogger<KubernetesRuntime>() }, time),
        _ => new ProcessRuntime(folder, time, loggers.CreateLogger<ProcessRuntime>(), fleet.Process.Nice),
    };

    /// <summary>
    /// Worker pods are placed like the post-service pods (namespace, service account, host network, extra labels),
    /// but on no disk: nothing mounted, no node selector.
    /// </summary>
    public static KubernetesRuntimeOptions KubernetesOptions(FleetSpec fleet, ManagedWorkersSpec spec) => Runtimes.RuntimeFactory.KubernetesOptions(fleet) with
    {
        FleetId = fleet.FleetId + FleetIdSuffix,
        Image = ImageOf(spec, "kubernetes"),
        K2PowWorkers = true,
        ServiceDisks = ImmutableDictionary<string, string>.Empty,
        Disks = ImmutableDictionary<string, KubernetesDiskPlacement>.Empty,
    };

    /// <summary>
    /// How the router's HTTP requests reach the workers: directly, except for worker pods, which the daemon reaches
    /// the way it reads a post-service pod's /status (<see cref="PodWorkerRoute"/>).
    /// </summary>
    public static HttpMessageHandler RouteFor(FleetSpec fleet, TimeProvider time) =>
        fleet is { Runtime: RuntimeKind.Kubernetes, K2Pow.Managed: { } spec }
            ? RouteFor(KubernetesOptions(fleet, spec), new k8s.Kubernetes(k8s.KubernetesClientConfiguration.BuildDefaultConfig()), spec, time)
            : new SocketsHttpHandler();

    public static PodWorkerRoute RouteFor(KubernetesRuntimeOptions options, k8s.IKubernetes client, ManagedWorkersSpec spec, TimeProvider time) =>
        new(options, client, spec.Expand().ToImmutableDictionary(w => $"{w.Url.Host}:{w.Url.Port}", w => w.Name, StringComparer.Ordinal), time);

    private static string ImageOf(ManagedWorkersSpec spec, string runtime) =>
        spec.Image ?? throw new InvalidOperationException($"k2pow.managed.image is required with runtime: {runtime} (validate checks it)");

    public ManagedWorkerState? StateOf(string name)
    {
        lock (_gate)
        {
            return _slots.TryGetValue(name, out var slot)
                ? new ManagedWorkerState(slot.Run is { Running: true } run && int.TryParse(run.InstanceId.Split('@')[0], out var pid) ? pid : null, slot.Restarts, slot.Run?.StartedAt, slot.NextStartAt, slot.LastExit)
                : null;
        }
    }

    /// <summary>Starts missing workers whose backoff has passed; forgets ended runs. Called every router poll.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var runs = (await runtime.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.ServiceName, StringComparer.Ordinal);
        var now = time.GetUtcNow();
        for (var i = 0; i < spec.Count; i++)
        {
            var name = $"k2pow-{i + 1}";
            Slot slot;
            lock (_gate)
            {
                slot = _slots.TryGetValue(name, out var known) ? known : _slots[name] = new Slot();
            }

            if (runs.TryGetValue(name, out var run) && run.Running)
            {
                slot.Run = run;
                if (now - run.StartedAt >= schedule.RestartBackoffMax)
                {
                    slot.Attempt = 0;
                }

                continue;
            }

            if (run is not null)
            {
                slot.LastExit = run.ExitCode is { } code ? $"exited with code {code}" : "ended";
                logger.LogWarning("k2pow worker {Worker} {Exit}; see {Log}", name, slot.LastExit, run.LogPath);
                await runtime.ForgetAsync(run, cancellationToken).ConfigureAwait(false);
                Ended(slot, now);
            }
            else if (slot.Run is { } vanished)
            {
                // Removed by someone else (a pod deleted, a container removed): it ended all the same, so the backoff
                // holds as for a crash; otherwise a worker that keeps being evicted would be recreated in a tight loop.
                slot.LastExit = "is gone (removed outside PostFleet)";
                logger.LogWarning("k2pow worker {Worker} {Exit}: {Run} is no longer listed", name, slot.LastExit, vanished.InstanceId);
                Ended(slot, now);
            }

            if (slot.NextStartAt is { } at && now < at)
            {
                continue;
            }

            try
            {
                var launch = new ServiceLaunch(name, spec.Binary, spec.Arguments(i), logDirectory, logDirectory);
                slot.Run = await runtime.StartAsync(launch, cancellationToken).ConfigureAwait(false);
                slot.NextStartAt = null;
                if (slot.Attempt > 0)
                {
                    slot.Restarts++;
                }
            }
            catch (Exception ex) when (IsRuntimeFault(ex))
            {
                slot.Attempt++;
                slot.NextStartAt = now + schedule.RestartBackoff(slot.Attempt);
                slot.LastExit = $"could not start {spec.Image ?? spec.Binary}: {ex.Message}";
                logger.LogError("k2pow worker {Worker}: {Problem}; trying again at {At}", name, slot.LastExit, slot.NextStartAt);
            }
        }
    }

    private void Ended(Slot slot, DateTimeOffset now)
    {
        slot.Run = null;
        slot.Attempt++;
        slot.NextStartAt = now + schedule.RestartBackoff(slot.Attempt);
    }

    /// <summary>What a runtime throws when it cannot start or list a run (a missing binary or image, an engine down).</summary>
    public static bool IsRuntimeFault(Exception ex) =>
        ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException
            or Docker.DotNet.DockerApiException or k8s.Autorest.HttpOperationException or HttpRequestException or TimeoutException;

    /// <summary>Stops every managed worker (on-shutdown: stop-all).</summary>
    public async Task StopAllAsync(TimeSpan grace)
    {
        var runs = await runtime.ListAsync(CancellationToken.None).ConfigureAwait(false);
        await Task.WhenAll(runs.Where(r => r.Running).Select(r => runtime.StopAsync(r, grace, CancellationToken.None))).ConfigureAwait(false);
    }
}
