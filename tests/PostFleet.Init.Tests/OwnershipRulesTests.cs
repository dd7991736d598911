using System.Collections.Immutable;
using PostFleet.Core.Init;
using PostFleet.Init.Tests.Support;

namespace PostFleet.Init.Tests;

public class OwnershipRulesTests
{
    private static readonly PostDataLayout Layout = new(3, 128, 4096);
    private static readonly CommitmentAtx Atx = CommitmentAtx.FromBytes(InitWorld.HighestAtx);
    private static readonly TestKey Key = TestKey.Generate();
    private static readonly TestKey OtherKey = TestKey.Generate();

    private static PostDataObservation Partial(string? metadata, string? key = null, ulong firstFile = 1024) =>
        new("/data/x", true, ImmutableSortedDictionary<int, ulong>.Empty.Add(0, firstFile), metadata, key ?? Key.FileContent);

    private static string Metadata(TestKey? nodeId = null, string? commitment = null, uint units = 3) =>
        DataFolders.MetadataJson((nodeId ?? Key).PublicBase64, commitment ?? Atx.Base64, 128, units, 4096, nonce: null);

    private static IEnumerable<InitProblemKind> Kinds(PostDataObservation data) =>
        DataDirRules.Check("x", data, Layout, Atx).Select(p => p.Kind);

    [Fact]
    public void Our_partial_data_may_be_resumed() => Assert.Empty(Kinds(Partial(Metadata())));

    [Fact]
    public void An_empty_folder_is_fine() => Assert.Empty(Kinds(PostDataObservation.Missing("/data/x")));

    [Fact]
    public void Data_of_another_identity_is_refused() =>
        Assert.Equal([InitProblemKind.DataDirOtherIdentity], Kinds(Partial(Metadata(nodeId: OtherKey))));

    [Fact]
    public void Data_with_another_commitment_is_refused() =>
        Assert.Equal([InitProblemKind.DataDirOtherCommitment], Kinds(Partial(Metadata(commitment: Convert.ToBase64String(new byte[32])))));

    [Fact]
    public void Fewer_units_than_the_data_is_refused_because_postcli_would_delete_files() =>
        Assert.Contains(InitProblemKind.DataDirOtherLayout, Kinds(Partial(Metadata(units: 5))));

    [Fact]
    public void Labels_without_metadata_are_refused() =>
        Assert.Equal([InitProblemKind.DataWithoutMetadata], Kinds(Partial(metadata: null)));

    [Fact]
    public void Metadata_without_a_key_is_refused()
    {
        var data = Partial(Metadata()) with { IdentityKey = null };
        Assert.Equal([InitProblemKind.MetadataWithoutKey], Kinds(data));
    }

    private static NodeIdentitiesObservation Node(params (string File, string Content)[] files) =>
        new("/node/identities", true, files.ToImmutableSortedDictionary(f => f.File, f => f.Content, StringComparer.Ordinal));

    [Fact]
    public void The_same_key_already_installed_is_fine() =>
        Assert.Empty(NodeKeyRules.Check("x", Key.FileContent, Node(("x.key", Key.FileContent))));

    [Fact]
    public void A_different_key_under_the_name_is_a_conflict() =>
        Assert.Equal(InitProblemKind.NodeKeyConflict, Assert.Single(NodeKeyRules.Check("x", Key.FileContent, Node(("x.key", OtherKey.FileContent)))).Kind);

    [Fact]
    public void A_taken_name_before_postcli_made_a_key_is_refused() =>
        Assert.Equal(InitProblemKind.NodeKeyNameTaken, Assert.Single(NodeKeyRules.Check("x", null, Node(("x.key", OtherKey.FileContent)))).Kind);

    [Fact]
    public void The_same_key_under_another_name_would_stop_the_node() =>
        Assert.Equal(InitProblemKind.NodeKeyDuplicate, Assert.Single(NodeKeyRules.Check("x", Key.FileContent, Node(("y.key", Key.FileContent)))).Kind);

    [Fact]
    public void Local_key_is_refused_unless_it_may_be_moved()
    {
        var node = Node(("local.key", OtherKey.FileContent));

        Assert.Equal(InitProblemKind.LocalKeyPresent, NodeKeyRules.CheckLocalKey(node, removeLocalKey: false)!.Kind);
        Assert.Contains("supervised key found in remote smeshing mode", NodeKeyRules.CheckLocalKey(node, false)!.Message, StringComparison.Ordinal);
        Assert.Null(NodeKeyRules.CheckLocalKey(node, removeLocalKey: true));
    }

    [Fact]
    public void Local_key_backup_is_dated_and_ignored_by_the_node() =>
        Assert.Equal("local.key.bak-20250102T030405Z", NodeKeyRules.LocalKeyBackupName(new DateTimeOffset(2025, 1, 2, 4, 4, 5, TimeSpan.FromHours(1))));

    [Fact]
    public void Names_the_node_does_not_report_need_a_restart() =>
        Assert.Equal(["c"], NodeKeyRules.NotCarriedByNode(["a", "b", "c"], ["a", "b.key"]));
}
