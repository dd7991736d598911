using System.Diagnostics;
using System.Text.RegularExpressions;
using PostFleet.Simulator.Fleet;
using PostFleet.Testing;
using Spacemesh.V1;

namespace PostFleet.Simulator.Tests.PostService;

/// <summary>
/// The natively compiled post-service (<c>postfleet-sim post-service</c>, src/PostFleet.SimPost) against the JIT
/// <c>postfleet sim post-service</c>, side by side on the same PoST data: the same record lines for a whole proof,
/// the same <c>/status</c> bodies, the same log, the same exit codes for usage errors and signals. Where it cannot be
/// built (no clang), the simulated fleets must say so and run the JIT one instead.
/// </summary>
public sealed partial class NativePostServiceTests(NativePostServiceTests.NativeBuild build) : IClassFixture<NativePostServiceTests.NativeBuild>
{
    private static readonly byte[] Challenge = [.. Enumerable.Repeat((byte)0x5C, 32)];

    [Fact]
    public async Task A_whole_proof_writes_the_same_record_lines_status_bodies_and_log()
    {
        if (build.Executable is not { } native)
        {
            AssertFallback();
            return;
        }

        using var host = new SimHostFolder(k2powSecondsPerUnitPerNonceGroup: 0.3);
        var dir = Path.Combine(host.Disk("diskA", readBytesPerSecond: 32 * 1024), "post1");
        SimHostFolder.WriteData(dir, numUnits: 4);

        var jit = await ProveOnceAsync(host, dir, args => Jit(host, args));
        var aot = await ProveOnceAsync(host, dir, args => Native(native, host, args));

        Assert.Equal(["started", "connected", "randomx-setup-start", "randomx-setup-end", "k2pow-start", "k2pow-end", "read-start", "read-end", "proof-found", "proof-handed-over"], jit.Events);
        Assert.Equal(jit.Records, aot.Records);
        Assert.Equal(jit.StatusStates, aot.StatusStates);
        Assert.Contains("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16},\"position\":0}}", aot.StatusBodies);
        Assert.Equal(jit.Log, aot.Log);
    }

    [Theory]
    [InlineData(Posix.SigTerm)]
    [InlineData(Posix.SigInt)]
    public async Task A_signal_ends_both_at_once_with_the_same_exit_code(int signal)
    {
        if (build.Executable is not { } native)
        {
            AssertFallback();
            return;
        }

        using var host = new SimHostFolder();
        var dir = Path.Combine(host.Disk("diskA", readBytesPerSecond: 1 << 20), "post1");
        SimHostFolder.WriteData(dir, numUnits: 4);
        var codes = new List<int>();
        foreach (var start in new Func<string[], ChildProcess>[] { args => Jit(host, args), args => Native(native, host, args) })
        {
            var operatorPort = FreePorts.Next();
            await using var service = start(["-d", dir, "-a", $"http://127.0.0.1:{FreePorts.Next()}", "--operator-address", $"127.0.0.1:{operatorPort}"]);
            await PostServiceProcess.UntilAsync(async () => await TryStatusAsync(operatorPort) == "\"Idle\"", "the operator's first answer");
            service.Signal(signal);
            codes.Add(await service.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        }

        Assert.Equal([128 + signal, 128 + signal], codes);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("--version")]
    [InlineData("--bogus", "1")]
    [InlineData("-d", "/nonexistent/post1", "-a", "http://127.0.0.1:1")]
    [InlineData("-d", "/tmp", "-a", "ftp://127.0.0.1:1")]
    public async Task The_command_line_answers_the_same(params string[] args)
    {
        if (build.Executable is not { } native)
        {
            AssertFallback();
            return;
        }

        using var host = new SimHostFolder();
        await using var jit = Jit(host, args);
        await using var aot = Native(native, host, args);
        Assert.Equal(await jit.WaitForExitAsync(), await aot.WaitForExitAsync());
        Assert.Equal(jit.StandardOutput, aot.StandardOutput);
        Assert.Equal(WithoutTimes(jit.StandardError), WithoutTimes(aot.StandardError));
    }

    [Fact]
    public void A_simulated_fleet_runs_the_native_build_where_there_is_one_and_the_jit_one_otherwise()
    {
        using var root = new TempDirectory("pf-native-fleet");
        var disks = new[] { new SimulatedDisk("diskA", [new SimulatedService("post1")]) };
        var found = SimulatedFleet.Create(new SimulatedFleetOptions(Path.Combine(root.Path, "found"), RepoPaths.PostfleetExecutable, disks) { FreePort = FreePorts.Next });
        var jit = SimulatedFleet.Create(new SimulatedFleetOptions(Path.Combine(root.Path, "jit"), RepoPaths.PostfleetExecutable, disks) { FreePort = FreePorts.Next, NativePostService = null });

        Assert.Equal(build.Executable, found.Options.NativePostService);
        var wrapper = File.ReadAllText(Path.Combine(found.Root, "bin", "post-service"));
        Assert.Contains(build.Executable is { } native ? $"exec '{native}' post-service \"$@\"" : $"exec '{RepoPaths.PostfleetExecutable}' sim post-service \"$@\"", wrapper, StringComparison.Ordinal);
        Assert.Contains($"exec '{RepoPaths.PostfleetExecutable}' sim post-service \"$@\"", File.ReadAllText(Path.Combine(jit.Root, "bin", "post-service")), StringComparison.Ordinal);
        Assert.Contains($"exec '{RepoPaths.PostfleetExecutable}' sim postcli \"$@\"", File.ReadAllText(Path.Combine(found.Root, "bin", "postcli")), StringComparison.Ordinal);
        Assert.StartsWith(build.Executable is null ? "simulated post-services: JIT `postfleet sim post-service` (no native build" : "simulated post-services: native build ", NativePostService.Describe(build.Executable), StringComparison.Ordinal);
    }

    /// <summary>No native build is allowed only where it cannot be made; then the build script said why.</summary>
    private void AssertFallback()
    {
        Assert.False(build.ClangInstalled && build.ZlibInstalled, "clang and zlib1g-dev are installed, yet scripts/build-sim-aot.sh made no native post-service:\n" + build.Output);
        Assert.Contains("simulated post-service: no native build (", build.Output, StringComparison.Ordinal);
    }

    private static ChildProcess Jit(SimHostFolder host, string[] args) => ChildProcess.StartPostfleet(["sim", "post-service", .. args], environment: host.Environment);

    private static ChildProcess Native(string native, SimHostFolder host, string[] args) => ChildProcess.Start(native, ["post-service", .. args], environment: host.Environment);

    private static async Task<Proof> ProveOnceAsync(SimHostFolder host, string dir, Func<string[], ChildProcess> start)
    {
        await using var node = await FakeNode.StartAsync();
        var operatorPort = FreePorts.Next();
        await using var service = start([$"--address={node.Address}", $"--operator-address=127.0.0.1:{operatorPort}", "--dir", dir, "--threads", "1", "--nonces", "16"]);
        await node.Metadata.WaitAsync(TimeSpan.FromSeconds(60));
        var bodies = new List<string> { await PostServiceProcess.StatusAsync(operatorPort) };
        Assert.Equal(GenProofStatus.Ok, (await node.GenProofAsync(Challenge)).GenProof.Status);
        var proof = await Eventually.UntilAsync<GenProofResponse>(async () =>
        {
            var body = await PostServiceProcess.StatusAsync(operatorPort);
            if (bodies[^1] != body)
            {
                bodies.Add(body);
            }

            if (body != "\"DoneProving\"")
            {
                return null;
            }

            var reply = await node.GenProofAsync(Challenge);
            return reply.GenProof.Status != GenProofStatus.Ok || reply.GenProof.Proof is not null ? reply.GenProof : null;
        }, "a proof", TimeSpan.FromSeconds(90));
        Assert.Equal(GenProofStatus.Ok, proof.Status);
        await PostServiceProcess.UntilAsync(async () => await PostServiceProcess.StatusAsync(operatorPort) == "\"Idle\"", "Idle after the hand-over");
        bodies.Add("\"Idle\"");

        var records = File.ReadAllLines(host.RecordPath).Where(l => l.Contains($"\"pid\":{service.Id},", StringComparison.Ordinal)).Select(l => TimeAndPid().Replace(l, "")).ToList();
        // The ports are each run's own; nothing else in the log may differ.
        var log = WithoutTimes(service.StandardError).Replace($":{operatorPort}", ":OPERATOR", StringComparison.Ordinal).Replace($":{node.Port}", ":NODE", StringComparison.Ordinal).Split('\n').Where(l => !l.Contains("verification took", StringComparison.Ordinal)).ToList();
        return new Proof(
            records,
            [.. records.Select(r => EventName().Match(r).Groups[1].Value)],
            bodies,
            [.. bodies.Select(b => b.StartsWith("{\"Proving\"", StringComparison.Ordinal) ? (b.Contains("\"position\":0}", StringComparison.Ordinal) ? "Proving-k2pow" : "Proving-reading") : b).Distinct()],
            string.Join('\n', log));
    }

    private static async Task<string?> TryStatusAsync(int port)
    {
        try
        {
            return await PostServiceProcess.StatusAsync(port);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>post-rs' log lines start with <c>[2026-01-01T00:00:00Z </c>: the time differs between the runs, nothing else may.</summary>
    // Durations as well as instants: "It took 0m 3s" depends on the machine's load, not on the build.
    private static string WithoutTimes(string log) => Duration().Replace(LogTime().Replace(log.Replace("\r", "", StringComparison.Ordinal), "["), "DURATION");

    // Every duration the log states ("It took 0m 3s", "finished k2pow in 0m 1s", "finished reading POST data in 0m 2s"):
    // two runs side by side take their own wall-clock time, and a read near a whole second rounds either way.
    [GeneratedRegex(@"\b[0-9]+m [0-9]+s\b")]
    private static partial Regex Duration();

    [GeneratedRegex("\"time\":\"[^\"]*\",\"pid\":[0-9]+,")]
    private static partial Regex TimeAndPid();

    [GeneratedRegex("\"event\":\"([^\"]+)\"")]
    private static partial Regex EventName();

    [GeneratedRegex(@"(?m)^\[[0-9T:\-]+Z ")]
    private static partial Regex LogTime();

    private sealed record Proof(IReadOnlyList<string> Records, IReadOnlyList<string> Events, IReadOnlyList<string> StatusBodies, IReadOnlyList<string> StatusStates, string Log);

    /// <summary>Runs scripts/build-sim-aot.sh once for the class (nothing to do when test.sh or the demo built it already).</summary>
    public sealed class NativeBuild
    {
        public NativeBuild()
        {
            var info = new ProcessStartInfo("bash", [Path.Combine(RepoPaths.Root, "scripts", "build-sim-aot.sh")]) { RedirectStandardError = true, RedirectStandardOutput = true };
            using var script = Process.Start(info)!;
            var stderr = script.StandardError.ReadToEndAsync();
            Output = script.StandardOutput.ReadToEnd() + stderr.GetAwaiter().GetResult();
            script.WaitForExit();
            Executable = NativePostService.Find(RepoPaths.PostfleetExecutable);
            ClangInstalled = Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(p => File.Exists(Path.Combine(p, "clang")));
            ZlibInstalled = File.Exists("/usr/include/zlib.h");
        }

        public string? Executable { get; }

        public string Output { get; }

        public bool ClangInstalled { get; }

        public bool ZlibInstalled { get; }
    }
}
