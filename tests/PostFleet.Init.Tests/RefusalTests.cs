using PostFleet.Core.Init;
using PostFleet.Init.Inspection;
using PostFleet.Init.Tests.Support;

namespace PostFleet.Init.Tests;

/// <summary>
/// Every bad input is refused before any work, with its own problem and exit code 2, and leaves every user file
/// (data folders, keys, node data) byte-for-byte and mode-for-mode as it was.
/// </summary>
public class RefusalTests
{
    private static async Task<InitOutcome> AssertRefusedUntouched(InitWorld world, InitRequest? request = null)
    {
        var before = world.UserFiles();
        var reporter = new RecordingReporter();

        var outcome = await world.RunAsync(request, reporter);

        Assert.Equal(InitStatus.Refused, outcome.Status);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Empty(world.Postcli.Runs());
        Assert.Equal(before, world.UserFiles());
        Assert.Equal(outcome.Preparation.Problems, reporter.Problems);
        return outcome;
    }

    private static InitProblem Only(InitOutcome outcome, InitProblemKind kind)
    {
        var problem = Assert.Single(outcome.Problems);
        Assert.Equal(kind, problem.Kind);
        return problem;
    }

    /// <summary>A half-written data folder of our own, as an interrupted postcli leaves it.</summary>
    private static void PartialData(InitWorld world, string name, TestKey? nodeId = null, string? commitmentBase64 = null)
    {
        var units = world.Fleet.FindService(name)!.NumUnits;
        var layout = new PostDataLayout(units, 128, 2048);
        DataFolders.Write(world.DataDir(name), world.Keys[name].FileContent,
            DataFolders.MetadataJson((nodeId ?? world.Keys[name]).PublicBase64, commitmentBase64 ?? world.Commitment.Base64, 128, units, 2048, nonce: null), layout, 1024);
    }

    [Fact]
    public async Task A_different_key_file_under_the_name_is_never_overwritten()
    {
        using var world = new InitWorld([("d1", [("a", 2)])]);
        PartialData(world, "a");
        Directory.CreateDirectory(world.IdentitiesDir);
        File.WriteAllText(Path.Combine(world.IdentitiesDir, "a.key"), TestKey.Generate().FileContent);

        var problem = Only(await AssertRefusedUntouched(world), InitProblemKind.NodeKeyConflict);

        Assert.Equal(Path.Combine(world.IdentitiesDir, "a.key"), problem.Subject);
        Assert.Contains("never overwritten", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_file_under_the_name_of_a_new_identity_is_refused()
    {
        using var world = new InitWorld([("d1", [("a", 2)])]);
        Directory.CreateDirectory(world.IdentitiesDir);
        File.WriteAllText(Path.Combine(world.IdentitiesDir, "a.key"), TestKey.Generate().FileContent);

        Only(await AssertRefusedUntouched(world), InitProblemKind.NodeKeyNameTaken);
    }

    [Fact]
    public async Task A_data_folder_of_another_identity_is_refused()
    {
        using var world = new InitWorld([("d1", [("a", 2)])]);
        PartialData(world, "a", nodeId: TestKey.Generate());

        var problem = Only(await AssertRefusedUntouched(world), InitProblemKind.DataDirOtherIdentity);

        Assert.EndsWith(PostMetadata.FileName, problem.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_folder_with_another_commitment_is_refused_and_names_the_fix()
    {
        using var world = new InitWorld([("d1", [("a", 2)])]);
        var other = Convert.ToBase64String(new byte[32]);
        PartialData(world, "a", commitmentBase64: other);

        var problem = Only(await AssertRefusedUntouched(world), InitProblemKind.DataDirOtherCommitment);

        Assert.Contains("--commitment-atx " + new string('0', 64), problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_postcli_is_refused()
    {
        using var world = new InitWorld([("d1", [("a", 2)])]);
        world.Fleet = world.Fleet with { Post = world.Fleet.Post with { PostcliBinary = Path.Combine(world.Root, "nope", "postcli") } };

        var problem = Only(await AssertRefusedUntouched(world), InitProblemKind.PostcliMissing);

        Assert.Equal("post.postcli-binary", problem.Subject);
    }

    [Fact]
    public async Task A_postcli_that_is_not_executable_is_refused()
    {
        using var world = new InitWorld([("d1", [("a", 2)])]);
        File.SetUnixFileMode(world.Postcli.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var problem = Only(await AssertRefusedUntouched(world), InitProblemKind.PostcliNotExecutable);

        Assert.Contains("chmod +x", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Not_enough_free_space_is_refused_summed_per_filesystem()
    {
        using var world = new InitWorld([("d1", [("a", 2)]), ("d2", [("b", 2)])]);
        world.FreeSpace = new FixedFreeSpace(6000); // each needs 4096 bytes; both are on one filesystem

        var problem = Only(await AssertRefusedUntouched(world), InitProblemKind.NotEnoughSpace);

        Assert.Contains("8192 bytes", problem.Message, StringComparison.Ordinal);
        Assert.Contains("a 4.0 KiB, b 4.0 KiB", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resumed_data_only_needs_the_rest_of_its_bytes()
    {
        using var world = new InitWorld([("d1", [("a", 2)])]);
        PartialData(world, "a");
        world.FreeSpace = new FixedFreeSpace(3072); // 4096 - 1024 already written

        var outcome = await world.RunAsync();

        Assert.Equal(InitStatus.Completed, outcome.Status);
    }

    [Fact]
    public async Task Local_key_beside_the_new_keys_is_refused_without_the_flag()
    {
        using var world = new InitWorld([("d1", [("a", 2)])]);
        Directory.CreateDirectory(world.IdentitiesDir);
        File.WriteAllText(Path.Combine(world.IdentitiesDir, "local.key"), TestKey.Generate().FileContent);

        var problem = Only(await AssertRefusedUntouched(world), InitProblemKind.LocalKeyPresent);

        Assert.Contains("--remove-local-key", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_node_without_a_given_commitment_is_refused()
    {
        using var world = new InitWorld([("d1", [("a", 2)])]);
        world.Node.Unreachable = true;

        var problem = Only(await AssertRefusedUntouched(world), InitProblemKind.NodeUnreachable);

        Assert.Contains("--commitment-atx", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_commitment_on_the_command_line_is_refused()
    {
        using var world = new InitWorld([("d1", [("a", 2)])]);

        var problem = Only(await AssertRefusedUntouched(world, new InitRequest(world.Fleet) { CommitmentAtxHex = "abc" }), InitProblemKind.CommitmentInvalid);

        Assert.Equal("--commitment-atx", problem.Subject);
    }

    [Fact]
    public async Task All_problems_are_reported_together()
    {
        using var world = new InitWorld([("d1", [("a", 2)]), ("d2", [("b", 2)])]);
        world.Fleet = world.Fleet with { Post = world.Fleet.Post with { PostcliBinary = Path.Combine(world.Root, "missing") } };
        world.FreeSpace = new FixedFreeSpace(10);
        Directory.CreateDirectory(world.IdentitiesDir);
        File.WriteAllText(Path.Combine(world.IdentitiesDir, "local.key"), TestKey.Generate().FileContent);
        PartialData(world, "b", nodeId: TestKey.Generate());

        var outcome = await AssertRefusedUntouched(world, new InitRequest(world.Fleet) { Only = ["a", "b", "zz"] });

        Assert.Equal(
            [InitProblemKind.UnknownIdentity, InitProblemKind.PostcliMissing, InitProblemKind.DataDirOtherIdentity, InitProblemKind.LocalKeyPresent, InitProblemKind.NotEnoughSpace],
            outcome.Problems.Select(p => p.Kind));
    }

    [Fact]
    public async Task Dry_run_prints_the_plan_and_touches_nothing()
    {
        using var world = new InitWorld(Fleets.Demo);
        PartialData(world, "diskA_post1");
        var before = world.UserFiles();
        var reporter = new RecordingReporter();

        var outcome = await world.RunAsync(new InitRequest(world.Fleet) { DryRun = true, MaxParallel = 3 }, reporter);

        Assert.Equal(InitStatus.DryRun, outcome.Status);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Empty(world.Postcli.Runs());
        Assert.Equal(before, world.UserFiles());
        Assert.False(Directory.Exists(world.Fleet.StateDirectory));
        Assert.False(Directory.Exists(world.IdentitiesDir));

        var text = string.Join('\n', reporter.Infos);
        Assert.Contains("caps: 1 postcli run per disk at a time, 3 at a time overall", text, StringComparison.Ordinal);
        Assert.Contains("diskC: diskC_post3 (13 SU, new, needs 26.0 KiB) -> diskC_post2", text, StringComparison.Ordinal);
        Assert.Contains("diskA_post1 (4 SU, resume at 1.0 KiB, needs 7.0 KiB)", text, StringComparison.Ordinal);
        Assert.Contains($"{world.Postcli.Path} -provider=4294967295 -labelsPerUnit=128 -scryptN=16 -numUnits=12 -datadir={world.DataDir("diskE_post1")} -commitmentAtxId={world.Commitment.Hex} -yes -maxFileSize=2048", text, StringComparison.Ordinal);
    }

    private sealed class FixedFreeSpace(ulong bytes) : IFreeSpaceProbe
    {
        public VolumeSpace? Probe(string path) => new("/fake-volume", bytes);
    }
}
