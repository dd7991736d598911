using Docker.DotNet;
using Microsoft.Data.Sqlite;
using PostFleet.Runtime.Docker;
using PostFleet.Testing;
using PostFleet.Tls.Tests.Support;

namespace PostFleet.DockerEpoch.Tests;

/// <summary>
/// `postfleet run` with <c>runtime: docker</c>: each post-service run is a container of the simulated post-service
/// image on the host network, so it reaches the simulated node on 127.0.0.1.
/// </summary>
[Collection(DockerEpochCollection.Name)]
public sealed class DockerEpochTests(SimImageFixture docker)
{
    private static readonly SimIdentity[] FourIdentities = [new("d1", "a1", 2), new("d1", "a2", 2), new("d2", "b1", 2), new("d2", "b2", 2)];

    [Fact]
    public async Task An_epoch_is_proved_in_containers_and_a_restarted_daemon_adopts_them_without_duplicates()
    {
        docker.EnsureAvailable();
        var fleetId = docker.FleetPrefix + "-a";
        await using var fleet = SimFleet.Create("pf-docker-epoch", FourIdentities, new SimFleetOptions
        {
            Runtime = "docker",
            DockerImage = SimImageFixture.Image,
            FleetId = fleetId,
            OnShutdown = "leave-running",
        });
        await fleet.InitAsync();
        await fleet.StartNodeAsync();

        // Daemon 1 starts containers, then stops without stopping them (on-shutdown: leave-running).
        var first = fleet.StartRun("run-1.log");
        await Eventually.UntilAsync(
            async () => (await docker.ContainersAsync(fleetId)).Any(c => c.State == "running"),
            () => $"a running container of fleet {fleetId}; daemon output:\n{first.StandardOutput}\n{first.StandardError}",
            TimeSpan.FromSeconds(60));
        first.Signal(Posix.SigTerm);
        Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var left = (await docker.ContainersAsync(fleetId)).Where(c => c.State == "running").ToList();
        Assert.NotEmpty(left);
        Assert.All(left, c => Assert.Equal(SimImageFixture.Image, c.Image));

        // Daemon 2 lists and adopts them: no service ever has two containers, and the adopted ones are not replaced.
        // It has decided with them once its first pass's decisions are in the history (pass ids go on from daemon
        // 1's; a restarted daemon records every service's decision, after the pass's actions were carried out).
        var history = Path.Combine(fleet.StateDir, "history.db");
        var firstDaemonsLastPass = LastDecisionPass(history, null);
        var second = fleet.StartRun("run-2.log");
        using var watching = new CancellationTokenSource();
        var seen = new HashSet<string>();
        var maxPerService = WatchAsync(fleetId, seen, watching.Token);
        await second.WaitForOutputAsync("node reachable", TimeSpan.FromSeconds(30));
        await Eventually.UntilAsync(
            () => FourIdentities.All(i => LastDecisionPass(history, i.Name) > firstDaemonsLastPass),
            () => $"daemon 2's first pass decided for every service; daemon 2 output:\n{second.StandardOutput}",
            TimeSpan.FromSeconds(60));
        var afterAdoption = await docker.ContainersAsync(fleetId);
        foreach (var adopted in left)
        {
            var service = adopted.Labels[FleetLabels.Service];
            var now = afterAdoption.Where(c => c.Labels[FleetLabels.Service] == service && c.State == "running").ToList();
            Assert.True(now.Count <= 1, $"{service} has {now.Count} running containers after adoption");
            Assert.True(now.Count == 0 || now[0].ID == adopted.ID, $"{service}: the adopted container {adopted.ID} was replaced by {now[0].ID}");
        }

        await fleet.WaitForEpochProofsAsync(TimeSpan.FromSeconds(300));
        Assert.False(second.HasExited, $"daemon 2 exited:\n{second.StandardOutput}\n{second.StandardError}");

        // Proofs were made inside containers: their logs (collected by the runtime) show the node's metadata request (a registration).
        var logs = Directory.GetFiles(Path.Combine(fleet.StateDir, "logs"), "*.log").Select(File.ReadAllText).ToList();
        Assert.Contains(logs, l => l.Contains("obtained metadata: PostMetadata", StringComparison.Ordinal) && l.Contains("/post", StringComparison.Ordinal));

        // Delivered and IDLE → the daemon stops the run; a stopped container is really gone (inspect → 404).
        List<string> gone = [];
        await Eventually.UntilAsync(
            async () =>
            {
                var listed = (await docker.ContainersAsync(fleetId)).Select(c => c.ID).ToHashSet();
                lock (seen)
                {
                    gone = [.. seen.Where(id => !listed.Contains(id))];
                }

                return gone.Count > 0;
            },
            () => $"a container the daemon stopped to disappear; daemon 2 output:\n{second.StandardOutput}",
            TimeSpan.FromSeconds(360));
        await watching.CancelAsync();
        Assert.Equal(1, await maxPerService);
        foreach (var id in gone)
        {
            await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => docker.Client.Containers.InspectContainerAsync(id));
        }
    }

    [Fact]
    public async Task An_epoch_is_proved_over_mtls_from_containers_that_see_the_certificates_at_their_paths()
    {
        docker.EnsureAvailable();
        var fleetId = docker.FleetPrefix + "-tls";
        await using var fleet = SimFleet.Create("pf-docker-tls", [new("d1", "t1", 2), new("d2", "t2", 2)], new SimFleetOptions
        {
            Tls = true,
            Runtime = "docker",
            DockerImage = SimImageFixture.Image,
            FleetId = fleetId,
        });
        await fleet.InitAsync();
        await fleet.StartNodeAsync();

        var run = fleet.StartRun();
        await fleet.WaitForEpochProofsAsync(TimeSpan.FromSeconds(300));
        Assert.False(run.HasExited, $"postfleet run exited:\n{run.StandardOutput}\n{run.StandardError}");

        // The files were bind-mounted read-only at the host's paths, and the services inside used them over https.
        var containers = await docker.ContainersAsync(fleetId);
        Assert.NotEmpty(containers);
        foreach (var container in containers)
        {
            var inspect = await docker.Client.Containers.InspectContainerAsync(container.ID);
            Assert.Contains(inspect.Mounts, m => m.Destination == fleet.Certs!.CaCert && m.Source == fleet.Certs.CaCert && !m.RW);
        }

        var logs = Directory.GetFiles(Path.Combine(fleet.StateDir, "logs"), "*.log").Select(File.ReadAllText).ToList();
        Assert.Contains(logs, l => l.Contains("configuring TLS: server: (CA cert: " + fleet.Certs!.CaCert, StringComparison.Ordinal) && l.Contains("obtained metadata: PostMetadata", StringComparison.Ordinal));
    }

    /// <summary>The last pass that wrote a decision (for one service, or any); 0 when none.</summary>
    private static long LastDecisionPass(string history, string? service)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = history, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(MAX(pass), 0) FROM decisions" + (service is null ? "" : " WHERE service = $s");
        command.Parameters.AddWithValue("$s", service ?? "");
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Samples the fleet's containers: records every id seen, returns the most running containers one service had at once.</summary>
    private async Task<int> WatchAsync(string fleetId, HashSet<string> seen, CancellationToken cancellationToken)
    {
        var max = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var all = await docker.ContainersAsync(fleetId);
            lock (seen)
            {
                seen.UnionWith(all.Select(c => c.ID));
            }

            var running = all.Where(c => c.State is "running" or "created" or "restarting");
            var perService = running.GroupBy(c => c.Labels[FleetLabels.Service]).Select(g => g.Count()).DefaultIfEmpty(0).Max();
            max = Math.Max(max, perService);
            try
            {
                await Task.Delay(300, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return max;
    }
}
