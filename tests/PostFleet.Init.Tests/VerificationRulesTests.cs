using System.Collections.Immutable;
using PostFleet.Core.Init;
using PostFleet.Init.Tests.Support;

namespace PostFleet.Init.Tests;

public class VerificationRulesTests
{
    private static readonly PostDataLayout Layout = new(3, 128, 4096); // 6144 bytes: 4096 + 2048
    private static readonly CommitmentAtx Atx = CommitmentAtx.FromBytes(InitWorld.HighestAtx);
    private static readonly CommitmentAtx OtherAtx = CommitmentAtx.FromBytes(new byte[32]);
    private static readonly TestKey Key = TestKey.Generate();
    private static readonly TestKey OtherKey = TestKey.Generate();

    private static PostDataObservation Complete(
        Func<ImmutableSortedDictionary<int, ulong>, ImmutableSortedDictionary<int, ulong>>? files = null,
        string? metadata = null,
        string? key = null) =>
        new("/data/x", true,
            (files ?? (f => f))(ImmutableSortedDictionary<int, ulong>.Empty.Add(0, 4096).Add(1, 2048)),
            metadata ?? DataFolders.MetadataJson(Key.PublicBase64, Atx.Base64, 128, 3, 4096),
            key ?? Key.FileContent);

    private static InitProblemKind Single(PostDataObservation data) =>
        Assert.Single(CompletionRules.Verify(data, Layout, Atx)).Kind;

    [Fact]
    public void Complete_data_has_no_problem() => Assert.Empty(CompletionRules.Verify(Complete(), Layout, Atx));

    [Fact]
    public void A_missing_file_is_reported() => Assert.Equal(InitProblemKind.MissingFile, Single(Complete(f => f.Remove(1))));

    [Fact]
    public void A_short_last_file_is_reported() => Assert.Equal(InitProblemKind.WrongFileSize, Single(Complete(f => f.SetItem(1, 2032))));

    [Fact]
    public void A_stray_file_beyond_the_layout_is_reported() => Assert.Equal(InitProblemKind.WrongFileSize, Single(Complete(f => f.Add(2, 16))));

    [Fact]
    public void Missing_metadata_is_reported()
    {
        var data = Complete() with { MetadataJson = null };
        Assert.Equal(InitProblemKind.MetadataMissing, Single(data));
    }

    [Fact]
    public void Num_units_must_be_what_we_asked() =>
        Assert.Equal(InitProblemKind.MetadataNumUnits, Single(Complete(metadata: DataFolders.MetadataJson(Key.PublicBase64, Atx.Base64, 128, 4, 4096))));

    [Fact]
    public void Labels_per_unit_must_be_what_we_asked() =>
        Assert.Equal(InitProblemKind.MetadataLabelsPerUnit, Single(Complete(metadata: DataFolders.MetadataJson(Key.PublicBase64, Atx.Base64, 64, 3, 4096))));

    [Fact]
    public void Max_file_size_must_be_what_we_asked() =>
        Assert.Equal(InitProblemKind.MetadataMaxFileSize, Single(Complete(metadata: DataFolders.MetadataJson(Key.PublicBase64, Atx.Base64, 128, 3, 8192))));

    [Fact]
    public void Commitment_must_be_what_we_asked() =>
        Assert.Equal(InitProblemKind.MetadataCommitment, Single(Complete(metadata: DataFolders.MetadataJson(Key.PublicBase64, OtherAtx.Base64, 128, 3, 4096))));

    [Fact]
    public void Node_id_must_be_the_public_half_of_identity_key() =>
        Assert.Equal(InitProblemKind.MetadataNodeId, Single(Complete(metadata: DataFolders.MetadataJson(OtherKey.PublicBase64, Atx.Base64, 128, 3, 4096))));

    [Fact]
    public void A_missing_nonce_means_postcli_had_not_finished() =>
        Assert.Equal(InitProblemKind.MetadataNonceMissing, Single(Complete(metadata: DataFolders.MetadataJson(Key.PublicBase64, Atx.Base64, 128, 3, 4096, nonce: null))));

    [Fact]
    public void A_missing_identity_key_is_reported()
    {
        var data = Complete() with { IdentityKey = null };
        Assert.Equal(InitProblemKind.IdentityKeyMissing, Single(data));
    }

    [Fact]
    public void A_key_with_a_trailing_newline_is_malformed() =>
        Assert.Equal(InitProblemKind.IdentityKeyMalformed, Single(Complete(key: Key.FileContent + "\n")));

    [Fact]
    public void Post_rs_style_metadata_with_null_nonce_is_read()
    {
        var json = $$"""{ "NodeId": "{{Key.PublicBase64}}", "CommitmentAtxId": "{{Atx.Base64}}", "LabelsPerUnit": 128, "NumUnits": 3, "MaxFileSize": 4096, "Nonce": null, "LastPosition": null }""";

        Assert.True(PostMetadata.TryParse(json, out var metadata, out _));
        Assert.Null(metadata!.Nonce);
        Assert.Equal(Key.PublicHex, metadata.NodeIdHex);
    }

    [Fact]
    public void Init_error_on_stderr_fails_the_run_even_with_exit_0()
    {
        var problem = CompletionRules.RunProblem("a", 0, "2025/01/01 00:00:00 cli: initialization error: boom", interrupted: false);

        Assert.Equal(InitProblemKind.PostcliReportedError, problem!.Kind);
        Assert.Contains("cli: initialization error: boom", problem.Message, StringComparison.Ordinal);
        Assert.Null(CompletionRules.RunProblem("a", 0, null, false));
        Assert.Equal(InitProblemKind.PostcliFailed, CompletionRules.RunProblem("a", 2, null, false)!.Kind);
        Assert.Equal(InitProblemKind.PostcliInterrupted, CompletionRules.RunProblem("a", 1, null, true)!.Kind);
    }
}
