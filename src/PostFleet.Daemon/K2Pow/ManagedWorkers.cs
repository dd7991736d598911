using Microsoft.Extensions.Logging;
using PostFleet.Core.Configuration;
using PostFleet.Core.Model;
using PostFleet.Core.Ports;
using PostFleet.Runtime.Docker;
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
    /// <paramref name="folder"/>/runs; Docker containers carry the labels of a fleet of their own (the fleet id +
    /// <see cref="FleetIdSuffix"/>), on the host network so <c>-b IP:PORT</c> is the address the router dials.
    /// </summary>
    public static IServiceRuntime RuntimeFor(FleetSpec fleet, ManagedWorkersSpec spec, string folder, TimeProvider time, ILoggerFactory loggers) =>
        fleet.Runtime == RuntimeKind.Docker
            ? new DockerRuntime(Runtimes.RuntimeFactory.DockerOptions(fleet) with
            {
                FleetId = fleet.FleetId + FleetIdSuffix,
                Image = spec.Image ?? throw new InvalidOperationException("k2pow.managed.image is required with runtime: docker (validate checks it)"),
                K2PowWorkers = true,
                Network = "host",
                ServiceDisks = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty,
                Logger = loggers.CreateLogger<DockerRuntime>(),
            }, time)
            : new ProcessRuntime(folder, time, loggers.CreateLogger<ProcessRuntime>());

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
                slot.Run = null;
                slot.Attempt++;
                slot.NextStartAt = now + schedule.RestartBackoff(slot.Attempt);
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

    /// <summary>What a runtime throws when it cannot start or list a run (a missing binary or image, an engine down).</summary>
    public static bool IsRuntimeFault(Exception ex) =>
        ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException
            or Docker.DotNet.DockerApiException or HttpRequestException or TimeoutException;

    /// <summary>Stops every managed worker (on-shutdown: stop-all).</summary>
    public async Task StopAllAsync(TimeSpan grace)
    {
        var runs = await runtime.ListAsync(CancellationToken.None).ConfigureAwait(false);
        await Task.WhenAll(runs.Where(r => r.Running).Select(r => runtime.StopAsync(r, grace, CancellationToken.None))).ConfigureAwait(false);
    }
}
