using PostFleet.Core.Configuration;
using PostFleet.Testing;

namespace PostFleet.Doctor.Tests;

/// <summary>`postfleet discover` against the simulated node and the simulated postcli's data.</summary>
[Collection(SimFleetCollection.Name)]
public sealed class DiscoverTests(SimFleet fleet) : IDisposable
{
    private readonly TempDirectory _dir = new("pf-discover");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Writes_a_valid_config_mapping_each_identity_to_its_data_and_reports_the_rest()
    {
        var output = Path.Combine(_dir.Path, "postfleet.yaml");
        var (exit, text) = await DiscoverAsync(output);

        Assert.True(exit == 0, text);
        var result = FleetConfigLoader.LoadFile(output);
        Assert.True(result.IsValid, string.Join("\n", result.Errors) + "\n" + File.ReadAllText(output));
        var spec = result.Spec!;
        Assert.Equal(["diskA", "diskB"], spec.Disks.Select(d => d.Name));
        Assert.Equal(fleet.Identities["id1"].Dir, spec.FindService("id1")!.DataDir);
        Assert.Equal(fleet.Identities["id2"].Dir, spec.FindService("id2")!.DataDir);
        Assert.Equal("diskA", spec.FindService("id1")!.Disk);
        Assert.Equal(2u, spec.FindService("id2")!.NumUnits);
        Assert.Equal(["127.0.0.1:41000", "127.0.0.1:41001"], spec.Services.Select(s => s.OperatorAddress));
        Assert.Null(spec.FindService("id3"));
        Assert.Equal(64UL, spec.Post.LabelsPerUnit);
        Assert.Equal(1u, spec.Post.MinNumUnits);
        Assert.Equal(Path.GetFullPath(fleet.NodeData), spec.Node.DataDir);

        Assert.Contains($"unmatched data  {fleet.Identities["id3"].Dir}: node id {fleet.Identities["id3"].NodeIdHex} is not carried by the node", text, StringComparison.Ordinal);
        Assert.Contains($"matched  id1 (", text, StringComparison.Ordinal);
        Assert.Contains("wrote " + output + ": 2 disk(s), 2 service(s)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Never_overwrites_an_existing_file_without_force()
    {
        var output = Path.Combine(_dir.Path, "postfleet.yaml");
        File.WriteAllText(output, "mine");

        var (exit, text) = await DiscoverAsync(output);
        Assert.Equal(2, exit);
        Assert.Contains("exists; not overwritten (give --force to replace it)", text, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(output));

        var (forced, forcedText) = await DiscoverAsync(output, "--force");
        Assert.True(forced == 0, forcedText);
        Assert.NotEqual("mine", File.ReadAllText(output));
    }

    [Fact]
    public async Task A_discovered_config_passes_doctor()
    {
        var output = Path.Combine(_dir.Path, "postfleet.yaml");
        var (exit, text) = await DiscoverAsync(output, basePort: FreePorts.Next());
        Assert.True(exit == 0, text);

        var (doctorExit, findings, doctorOutput) = await SimFleet.DoctorAsync(output);

        // The discovered config leaves scrypt-n and pow-difficulty at mainnet's, which doctor cannot see; all it checks passes.
        Assert.True(doctorExit == 0, doctorOutput);
        Assert.DoesNotContain(findings, f => f.GetProperty("severity").GetString() == "error");
    }

    [Fact]
    public async Task Several_nodes_list_each_nodes_identities_under_its_name_and_write_nodes()
    {
        var output = Path.Combine(_dir.Path, "postfleet.yaml");
        var (post, pub, priv) = ($"http://127.0.0.1:{fleet.PostPort}", $"127.0.0.1:{fleet.PublicPort}", $"http://127.0.0.1:{fleet.PrivatePort}");

        // Both names reach the one simulated node, so node-b carries the same identity names as node-a: a fleet's
        // service names are unique, so its are reported and left out, and every service is node-a's.
        await using var run = ChildProcess.StartPostfleet(
        [
            "discover", "--node", $"node-a={post}", "--node", $"node-b={post}", "--public", pub, "--public", pub, "--private", priv, "--private", priv,
            "--node-data-dir", fleet.NodeData, "--node-data-dir", fleet.NodeData,
            "--disk-root", Path.Combine(fleet.Disks, "diskA"), "--disk-root", Path.Combine(fleet.Disks, "diskB"), "--out", output,
        ]);
        var exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var text = run.StandardOutput + run.StandardError;

        Assert.True(exit == 0, text);
        Assert.Contains("node node-a: 2 identities", text, StringComparison.Ordinal);
        Assert.Contains("node node-b: 2 identities", text, StringComparison.Ordinal);
        Assert.Contains("identity 'id1' of node node-b skipped: node node-a carries an identity of that name too", text, StringComparison.Ordinal);
        Assert.Contains("matched  id1 (", text, StringComparison.Ordinal);
        Assert.Contains("[node node-a, diskA,", text, StringComparison.Ordinal);
        var result = FleetConfigLoader.LoadFile(output);
        Assert.True(result.IsValid, string.Join("\n", result.Errors) + "\n" + File.ReadAllText(output));
        var spec = result.Spec!;
        Assert.Equal(["node-a", "node-b"], spec.Nodes.Select(n => n.Name));
        Assert.All(spec.Services, s => Assert.Equal("node-a", spec.NodeOf(s).Name));
        Assert.Equal(["id1", "id2"], spec.Services.Select(s => s.Name));
    }

    [Fact]
    public async Task Several_nodes_without_a_public_listener_each_is_refused_naming_the_flag()
    {
        var output = Path.Combine(_dir.Path, "postfleet.yaml");
        await using var run = ChildProcess.StartPostfleet(
        [
            "discover", "--node", $"node-a=127.0.0.1:{fleet.PostPort}", "--node", $"node-b=127.0.0.1:{fleet.PostPort}", "--public", $"127.0.0.1:{fleet.PublicPort}",
            "--disk-root", fleet.Disks, "--out", output,
        ]);
        Assert.Equal(2, await run.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("--public: give it once per --node, in the same order (2 --node, 1 --public)", run.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    private async Task<(int Exit, string Text)> DiscoverAsync(string output, string? extra = null, int basePort = 41000)
    {
        await using var run = ChildProcess.StartPostfleet(
        [
            "discover", "--node", $"http://127.0.0.1:{fleet.PostPort}", "--public", $"127.0.0.1:{fleet.PublicPort}", "--private", $"http://127.0.0.1:{fleet.PrivatePort}",
            "--disk-root", Path.Combine(fleet.Disks, "diskA"), "--disk-root", Path.Combine(fleet.Disks, "diskB"),
            "--node-data-dir", fleet.NodeData, "--service-binary", fleet.ServiceWrapper, "--postcli-binary", fleet.PostcliWrapper,
            "--operator-base-port", basePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", output, .. (extra is null ? Array.Empty<string>() : [extra]),
        ]);
        var exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (exit, run.StandardOutput + run.StandardError);
    }
}
