using System.Text.Json;
using PostFleet.Testing;

namespace PostFleet.Doctor.Tests;

/// <summary>The discovered config is good enough to prove: `postfleet run` with it gets both identities' NiPoST proofs to the node.</summary>
[Collection(SimFleetCollection.Name)]
public sealed class EpochTests(SimFleet fleet) : IDisposable
{
    private readonly TempDirectory _dir = new("pf-discover-run");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Run_with_the_discovered_config_delivers_a_nipost_for_both_identities()
    {
        var config = Path.Combine(_dir.Path, "postfleet.yaml");
        var basePort = FreePorts.Next();
        await using (var discover = ChildProcess.StartPostfleet(
        [
            "discover", "--node", $"http://127.0.0.1:{fleet.PostPort}", "--public", $"http://127.0.0.1:{fleet.PublicPort}", "--private", $"http://127.0.0.1:{fleet.PrivatePort}",
            "--disk-root", fleet.Disks, "--node-data-dir", fleet.NodeData, "--service-binary", fleet.ServiceWrapper, "--postcli-binary", fleet.PostcliWrapper,
            "--phase-shift", "6s", "--cycle-gap", "4200ms", "--grace-period", "600ms",
            "--operator-base-port", basePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", config,
        ]))
        {
            Assert.True(await discover.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, discover.StandardOutput + discover.StandardError);
        }

        // The simulated node runs scrypt-n 2 and an easy k2pow; stop the services when the test stops postfleet.
        var yaml = File.ReadAllText(config)
            .Replace("  # scrypt-n: 8192", "  scrypt-n: 2", StringComparison.Ordinal)
            .Replace("  # pow-difficulty: 000dfb23b0979b4b000000000000000000000000000000000000000000000000", "  pow-difficulty: " + new string('f', 64) + "\n  randomx-mode: light\n  nonces: 16", StringComparison.Ordinal);
        File.WriteAllText(config, yaml + "schedule: { on-shutdown: stop-all, stop-grace: 2s, max-pow: 0 }\n");

        var since = DateTimeOffset.UtcNow;
        await using var run = ChildProcess.StartPostfleet(["run", "-c", config], logPath: Path.Combine(_dir.Path, "run.log"));
        try
        {
            await Eventually.UntilAsync(
                () => new[] { "id1", "id2" }.All(name => Delivered(name, since)),
                "a nipost proof-delivered for id1 and id2 in " + fleet.NodeRecord,
                TimeSpan.FromSeconds(60));
        }
        finally
        {
            run.Signal(Posix.SigTerm);
            await run.WaitForExitAsync(TimeSpan.FromSeconds(20));
        }
    }

    private bool Delivered(string name, DateTimeOffset since)
    {
        using var stream = new FileStream(fleet.NodeRecord, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var e = JsonDocument.Parse(line).RootElement;
            if (e.GetProperty("event").GetString() == "proof-delivered"
                && e.TryGetProperty("identity", out var identity) && identity.GetString()!.StartsWith(name, StringComparison.Ordinal)
                && e.GetProperty("kind").GetString() == "nipost"
                && e.GetProperty("time").GetDateTimeOffset() > since)
            {
                return true;
            }
        }

        return false;
    }
}
