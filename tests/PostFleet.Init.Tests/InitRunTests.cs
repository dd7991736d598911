using PostFleet.Core.Init;
using PostFleet.Init.Tests.Support;

namespace PostFleet.Init.Tests;

/// <summary>Real processes: the runner drives the bash fake postcli end to end.</summary>
public class InitRunTests
{
    private static readonly UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Demo_fleet_is_initialised_under_the_caps_with_keys_installed()
    {
        // Demo topology and sizes; one unit = 128 labels = 2 KiB here, files of 4 KiB, one 2 KiB chunk per write.
        using var world = new InitWorld(Fleets.Demo, maxFileSize: 4096, chunkBytes: 2048, delaySeconds: 0.01);
        var reporter = new RecordingReporter();

        var outcome = await world.RunAsync(new InitRequest(world.Fleet) { MaxParallel = 2 }, reporter);

        Assert.Equal(InitStatus.Completed, outcome.Status);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Empty(reporter.Problems);

        var runs = world.Postcli.Runs();
        Assert.Equal(10, runs.Count);
        AssertCaps(runs, world, perDisk: 1, global: 2);
        foreach (var (disk, services) in Fleets.Demo)
        {
            Assert.Equal(services.Select(s => s.Name), runs.Where(r => world.Fleet.FindService(r.Name)!.Disk == disk).OrderBy(r => r.StartNs).Select(r => r.Name));
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(world.IdentitiesDir));
        foreach (var service in world.Fleet.Services)
        {
            var installed = Path.Combine(world.IdentitiesDir, service.Name + ".key");
            Assert.Equal(world.Keys[service.Name].FileContent, File.ReadAllText(installed));
            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(installed));
            var layout = new PostDataLayout(service.NumUnits, 128, 4096);
            Assert.Empty(CompletionRules.Verify(Inspection.PostDataInspector.Observe(service.DataDir), layout, world.Commitment));
        }

        // The fake node loaded no key: it must be restarted, and the user is told why.
        Assert.Equal(10, outcome.NeedNodeRestart.Length);
        Assert.Contains(reporter.Warnings, w => w.Contains("loads identity keys only when it starts", StringComparison.Ordinal));

        // Progress was published with growing versions and ends at 100 %.
        Assert.True(reporter.Snapshots.Count > 3);
        Assert.Equal(1.0, reporter.Snapshots[^1].Fraction, 6);
        Assert.True(reporter.Snapshots.Zip(reporter.Snapshots.Skip(1)).All(p => p.Second.Version > p.First.Version));
    }

    [Fact]
    public async Task A_rerun_skips_verified_identities_without_running_postcli()
    {
        using var world = new InitWorld([("d1", [("a", 2), ("b", 2)])]);
        Assert.Equal(InitStatus.Completed, (await world.RunAsync()).Status);
        world.NodeCarries("a", "b");
        var before = world.UserFiles();

        var reporter = new RecordingReporter();
        var outcome = await world.RunAsync(reporter: reporter);

        Assert.Equal(InitStatus.Completed, outcome.Status);
        Assert.Equal(2, world.Postcli.Runs().Count);
        Assert.Empty(outcome.NeedNodeRestart);
        Assert.Equal(before, world.UserFiles());
        Assert.Contains(reporter.Infos, i => i.Contains("a: already complete", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_interrupted_init_resumes_on_rerun_and_finishes_with_correct_sizes()
    {
        // 8 units x 2 KiB in 1 KiB files, written 256 bytes at a time (about 10 s): long enough to interrupt mid-way
        // even on a test host starved for seconds.
        using var world = new InitWorld([("d1", [("slow", 8)])], maxFileSize: 1024, chunkBytes: 256, delaySeconds: 0.15);
        var dataDir = world.DataDir("slow");
        using var cancel = new CancellationTokenSource();

        var run = world.RunAsync(cancellationToken: cancel.Token);
        await Testing.Eventually.UntilAsync(() => File.Exists(Path.Combine(dataDir, "postdata_3.bin")), "postcli to reach the 4th file");
        cancel.Cancel();
        var first = await run;

        Assert.Equal(InitStatus.Cancelled, first.Status);
        Assert.Equal(130, first.ExitCode);
        Assert.False(File.Exists(Path.Combine(world.IdentitiesDir, "slow.key")));
        var firstFile = File.ReadAllBytes(Path.Combine(dataDir, "postdata_0.bin"));
        var written = Inspection.PostDataInspector.BinFileSizes(dataDir).Values.Sum(v => (long)v);
        Assert.InRange(written, 3 * 1024, 16 * 1024 - 1);
        Assert.Contains(File.ReadAllLines(world.Postcli.RunLog), l => l.StartsWith("interrupted slow", StringComparison.Ordinal));

        var second = await world.RunAsync();

        Assert.Equal(InitStatus.Completed, second.Status);
        Assert.Equal(firstFile, File.ReadAllBytes(Path.Combine(dataDir, "postdata_0.bin"))); // resumed, not rewritten
        Assert.All(Enumerable.Range(0, 16), i => Assert.Equal(1024, new FileInfo(Path.Combine(dataDir, $"postdata_{i}.bin")).Length));
        Assert.False(File.Exists(Path.Combine(dataDir, "postdata_16.bin")));
        Assert.True(File.Exists(Path.Combine(world.IdentitiesDir, "slow.key")));
    }

    [Fact]
    public async Task A_killed_postcli_fails_the_identity_and_a_rerun_completes_it()
    {
        using var world = new InitWorld([("d1", [("victim", 8)])], maxFileSize: 1024, chunkBytes: 256, delaySeconds: 0.03);
        var run = world.RunAsync();
        var victim = await Testing.Eventually.UntilAsync(() => Task.FromResult(world.Postcli.Runs().FirstOrDefault()), "postcli to start");
        await Testing.Eventually.UntilAsync(() => File.Exists(Path.Combine(world.DataDir("victim"), "postdata_2.bin")), "some data");
        Testing.Posix.Kill(victim.Pid, Testing.Posix.SigKill);

        var first = await run;

        Assert.Equal(InitStatus.Failed, first.Status);
        Assert.Equal(1, first.ExitCode);
        Assert.Equal(InitProblemKind.PostcliFailed, Assert.Single(first.Problems).Kind);

        var second = await world.RunAsync();

        Assert.Equal(InitStatus.Completed, second.Status);
        Assert.Empty(CompletionRules.Verify(Inspection.PostDataInspector.Observe(world.DataDir("victim")), new PostDataLayout(8, 128, 1024), world.Commitment));
    }

    [Fact]
    public async Task Init_error_with_exit_0_is_a_failure_and_the_next_identity_on_the_disk_still_runs()
    {
        using var world = new InitWorld([("d1", [("broken", 2), ("fine", 2)])], failWithInitError: ["broken"]);

        var outcome = await world.RunAsync();

        Assert.Equal(InitStatus.Failed, outcome.Status);
        var broken = outcome.Identities.Single(i => i.Name == "broken");
        Assert.Equal(InitProblemKind.PostcliReportedError, Assert.Single(broken.Problems).Kind);
        Assert.Contains("simulated device failure", broken.Problems[0].Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(world.IdentitiesDir, "broken.key")));
        Assert.Equal(IdentityInitState.Done, outcome.Identities.Single(i => i.Name == "fine").State);
        Assert.True(File.Exists(Path.Combine(world.IdentitiesDir, "fine.key")));
    }

    [Fact]
    public async Task Remove_local_key_moves_it_to_a_dated_backup()
    {
        using var world = new InitWorld([("d1", [("a", 2)])]);
        var localKey = TestKey.Generate().FileContent;
        Directory.CreateDirectory(world.IdentitiesDir);
        File.WriteAllText(Path.Combine(world.IdentitiesDir, "local.key"), localKey);

        var outcome = await world.RunAsync(new InitRequest(world.Fleet) { RemoveLocalKey = true });

        Assert.Equal(InitStatus.Completed, outcome.Status);
        Assert.False(File.Exists(Path.Combine(world.IdentitiesDir, "local.key")));
        Assert.Matches(@"local\.key\.bak-\d{8}T\d{6}Z$", outcome.LocalKeyBackup);
        Assert.Equal(localKey, File.ReadAllText(outcome.LocalKeyBackup!));
    }

    [Fact]
    public async Task Given_commitment_needs_no_node_and_lands_in_the_metadata()
    {
        using var world = new InitWorld([("d1", [("a", 2)])]);
        world.Node.Unreachable = true;
        var atx = new string('c', 62) + "0d";

        var reporter = new RecordingReporter();
        var outcome = await world.RunAsync(new InitRequest(world.Fleet) { CommitmentAtxHex = atx.ToUpperInvariant() }, reporter);

        Assert.Equal(InitStatus.Completed, outcome.Status);
        Assert.Equal(0, world.Node.HighestCalls);
        Assert.Contains(reporter.Infos, i => i.Contains("-commitmentAtxId=" + atx, StringComparison.Ordinal));
        Assert.True(PostMetadata.TryParse(File.ReadAllText(Path.Combine(world.DataDir("a"), PostMetadata.FileName)), out var metadata, out _));
        Assert.Equal(atx, metadata!.CommitmentAtxIdHex);
        Assert.Contains(reporter.Warnings, w => w.Contains("could not ask the node", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_runs_the_named_identities()
    {
        using var world = new InitWorld([("d1", [("a", 2), ("b", 2)]), ("d2", [("c", 2)])]);

        var outcome = await world.RunAsync(new InitRequest(world.Fleet) { Only = ["c", "a"] });

        Assert.Equal(["a", "c"], outcome.Identities.Select(i => i.Name));
        Assert.Equal(["a", "c"], world.Postcli.Runs().Select(r => r.Name).Order());
    }

    private static void AssertCaps(IReadOnlyList<RunRecord> runs, InitWorld world, int perDisk, int global)
    {
        Assert.All(runs, r => Assert.NotNull(r.EndNs));
        foreach (var run in runs)
        {
            // Everything running at the moment this run started (including itself).
            var concurrent = runs.Where(o => o.StartNs <= run.StartNs && o.EndNs > run.StartNs).ToList();
            Assert.True(concurrent.Count <= global, $"{concurrent.Count} runs at once: {string.Join(", ", concurrent.Select(c => c.Name))}");
            var disk = world.Fleet.FindService(run.Name)!.Disk;
            Assert.True(concurrent.Count(o => world.Fleet.FindService(o.Name)!.Disk == disk) <= perDisk, $"two runs on {disk}");
        }

        // With two slots and five disks, the caps must also have allowed real parallelism.
        Assert.Contains(runs, r => runs.Any(o => o != r && o.StartNs < r.EndNs && r.StartNs < o.EndNs));
    }
}
