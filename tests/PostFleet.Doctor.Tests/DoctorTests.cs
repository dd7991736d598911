using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using PostFleet.Testing;

namespace PostFleet.Doctor.Tests;

/// <summary>
/// `postfleet doctor` against a real simulated node: a healthy setup, then one deliberate break per test, each
/// asserting the finding's text, its advice and the exit code.
/// </summary>
[Collection(SimFleetCollection.Name)]
public sealed class DoctorTests(SimFleet fleet) : IDisposable
{
    private readonly TempDirectory _dir = new("pf-doctor-case");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_healthy_fleet_has_no_errors_and_exits_0()
    {
        var (exit, findings, output) = await SimFleet.DoctorAsync(fleet.WriteConfig(_dir.Path));

        Assert.True(exit == 0, output);
        Assert.DoesNotContain(findings, f => Severity(f) == "error");
        Assert.Contains(findings, f => Message(f) == "serves PostService, PostInfoService");
        Assert.Contains(findings, f => Message(f) == "serves MeshService, ActivationService, NodeService");
        Assert.Contains(findings, f => Message(f) == "serves AdminService, SmesherService");
        Assert.Contains(findings, f => Message(f).StartsWith("remote (1:N) mode: IsSmeshing answers FAILED_PRECONDITION", StringComparison.Ordinal));
        Assert.Contains(findings, f => Message(f).StartsWith("coinbase stest1", StringComparison.Ordinal));
        Assert.Contains(findings, f => Message(f) == "the node carries all 2 configured identities and every key file on disk");
        Assert.Contains(findings, f => Check(f) == "binaries" && Message(f).Contains("post-service", StringComparison.Ordinal) && Severity(f) == "ok");
        Assert.Contains(findings, f => Message(f) == "2 units, 2 file(s), 2048 bytes, complete");
        Assert.Equal(2, findings.Count(f => Check(f) == "operator-port" && Message(f) == "free"));
        Assert.Contains(findings, f => Check(f) == "clock" && Severity(f) == "ok");
        Assert.Contains(findings, f => Check(f) == "free-space");
    }

    [Fact]
    public async Task A_key_file_the_running_node_does_not_carry_says_restart_the_node()
    {
        var data = CopyIdentities();
        File.WriteAllText(Path.Combine(data, "identities", "id3.key"), fleet.Identities["id3"].KeyText);

        var (exit, findings, output) = await SimFleet.DoctorAsync(fleet.WriteConfig(_dir.Path, nodeDataDir: data));

        Assert.Equal(1, exit);
        var finding = Single(findings, f => Message(f).StartsWith("key file id3.key", StringComparison.Ordinal), output);
        Assert.Equal("error", Severity(finding));
        Assert.Equal("key file id3.key is not carried by the running node (the node reads its keys only at start-up)", Message(finding));
        Assert.Equal("restart the node so it loads the key", Fix(finding));
    }

    [Fact]
    public async Task Local_key_beside_other_keys_is_an_error()
    {
        var data = CopyIdentities();
        File.WriteAllText(Path.Combine(data, "identities", "local.key"), fleet.Identities["id3"].KeyText);

        var (exit, findings, output) = await SimFleet.DoctorAsync(fleet.WriteConfig(_dir.Path, nodeDataDir: data));

        Assert.Equal(1, exit);
        var finding = Single(findings, f => Message(f).StartsWith("local.key", StringComparison.Ordinal), output);
        Assert.Equal("local.key lies beside 2 other key file(s): the node refuses to start (\"supervised key found in remote smeshing mode\")", Message(finding));
        Assert.Contains("--remove-local-key", Fix(finding), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_post_listener_pointing_at_the_public_port_says_PostService_not_served_here()
    {
        var (exit, findings, output) = await SimFleet.DoctorAsync(fleet.WriteConfig(_dir.Path, postPort: fleet.PublicPort));

        Assert.Equal(1, exit);
        var finding = Single(findings, f => Check(f) == "listener" && Severity(f) == "error", output);
        Assert.StartsWith("PostService, PostInfoService not served here (it looks like the node's public listener); it serves ", Message(finding), StringComparison.Ordinal);
        Assert.Equal($"post listener http://127.0.0.1:{fleet.PublicPort}/", Subject(finding));
        Assert.Equal("set node.post-listener to the node's --grpc-post-listener address", Fix(finding));
    }

    [Fact]
    public async Task A_missing_data_dir_is_reported_with_init_as_the_fix()
    {
        var services = fleet.Services();
        services[0] = services[0] with { Dir = Path.Combine(_dir.Path, "not-mounted", "id1") };

        var (exit, findings, output) = await SimFleet.DoctorAsync(fleet.WriteConfig(_dir.Path, services));

        Assert.Equal(1, exit);
        var finding = Single(findings, f => Check(f) == "data" && Severity(f) == "error", output);
        Assert.Equal("data folder does not exist", Message(finding));
        Assert.StartsWith("run `postfleet init`", Fix(finding), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_short_bin_file_is_reported_with_its_expected_size()
    {
        var copy = Path.Combine(_dir.Path, "diskB", "id2");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(fleet.Identities["id2"].Dir))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        using (var stream = File.OpenWrite(Path.Combine(copy, "postdata_1.bin")))
        {
            stream.SetLength(500);
        }

        var services = fleet.Services();
        services[1] = services[1] with { Dir = copy };
        var (exit, findings, output) = await SimFleet.DoctorAsync(fleet.WriteConfig(_dir.Path, services));

        Assert.Equal(1, exit);
        var finding = Single(findings, f => Check(f) == "data" && Severity(f) == "error", output);
        Assert.Equal("postdata_1.bin is 500 bytes, expected 1024 (init unfinished or the file was truncated)", Message(finding));
        Assert.Contains(findings, f => Check(f) == "free-space" && Message(f).Contains("524 B needed by unfinished data", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_operator_port_held_by_another_program_is_an_error()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var services = fleet.Services();
        services[0] = services[0] with { OperatorPort = port };

        var (exit, findings, output) = await SimFleet.DoctorAsync(fleet.WriteConfig(_dir.Path, services));

        Assert.Equal(1, exit);
        var finding = Single(findings, f => Check(f) == "operator-port" && Severity(f) == "error", output);
        Assert.Equal($"id1 operator 127.0.0.1:{port}", Subject(finding));
        Assert.StartsWith("port already in use by another program", Message(finding), StringComparison.Ordinal);
        Assert.Contains("give id1 another operator port", Fix(finding), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_service_binary_is_an_error()
    {
        var missing = Path.Combine(_dir.Path, "bin", "post-service");

        var (exit, findings, output) = await SimFleet.DoctorAsync(fleet.WriteConfig(_dir.Path, serviceBinary: missing));

        Assert.Equal(1, exit);
        var finding = Single(findings, f => Check(f) == "binaries" && Severity(f) == "error", output);
        Assert.Equal($"'{missing}' not found", Message(finding));
        Assert.Equal("install post-service from the spacemeshos/post-rs releases and set post.service-binary to it", Fix(finding));
    }

    [Fact]
    public async Task A_carried_identity_missing_from_the_config_is_only_a_warning()
    {
        var (exit, findings, output) = await SimFleet.DoctorAsync(fleet.WriteConfig(_dir.Path, fleet.Services().Take(1)));

        Assert.True(exit == 0, output);
        var finding = Single(findings, f => Check(f) == "identities" && Severity(f) == "warn", output);
        Assert.StartsWith("the node carries identity 'id2' (", Message(finding), StringComparison.Ordinal);
        Assert.EndsWith(") but no service in the config proves it", Message(finding), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_config_entry_the_node_does_not_carry_is_an_error()
    {
        var services = fleet.Services();
        services.Add(new ServiceLine("diskB", "id3", fleet.Identities["id3"].Dir, 1, FreePorts.Next()));

        var (exit, findings, output) = await SimFleet.DoctorAsync(fleet.WriteConfig(_dir.Path, services));

        Assert.Equal(1, exit);
        var finding = Single(findings, f => Check(f) == "identities" && Severity(f) == "error", output);
        Assert.Equal($"service 'id3' is in the config, but the node does not carry it and {Path.Combine(fleet.NodeData, "identities")}/id3.key does not exist", Message(finding));
        Assert.StartsWith("run `postfleet init`", Fix(finding), StringComparison.Ordinal);
    }

    private string CopyIdentities()
    {
        var data = Path.Combine(_dir.Path, "node_data");
        Directory.CreateDirectory(Path.Combine(data, "identities"));
        foreach (var file in Directory.GetFiles(Path.Combine(fleet.NodeData, "identities"), "*.key"))
        {
            File.Copy(file, Path.Combine(data, "identities", Path.GetFileName(file)));
        }

        return data;
    }

    private static JsonElement Single(List<JsonElement> findings, Func<JsonElement, bool> match, string output)
    {
        var hits = findings.Where(match).ToList();
        Assert.True(hits.Count == 1, $"expected one matching finding, got {hits.Count}:\n{output}");
        return hits[0];
    }

    private static string Check(JsonElement f) => f.GetProperty("check").GetString()!;

    private static string Severity(JsonElement f) => f.GetProperty("severity").GetString()!;

    private static string Subject(JsonElement f) => f.GetProperty("subject").GetString()!;

    private static string Message(JsonElement f) => f.GetProperty("message").GetString()!;

    private static string Fix(JsonElement f) => f.GetProperty("fix").GetString() ?? "";
}
