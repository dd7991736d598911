using PostFleet.Core.Init;
using PostFleet.Init.Tests.Support;

namespace PostFleet.Init.Tests;

public class PostcliArgumentsTests
{
    private static readonly CommitmentAtx Atx = CommitmentAtx.FromBytes([.. Enumerable.Range(0, 32).Select(i => (byte)(0xA0 + (i % 16)))]);

    [Fact]
    public void Arguments_are_the_real_flags_in_order()
    {
        var fleet = Fleets.Build("/srv", Fleets.Post("/opt/postcli"), Fleets.Demo);

        var arguments = PostcliArguments.Build(fleet.Post, fleet.FindService("diskA_post2")!, Atx);

        Assert.Equal(
        [
            "-provider=4294967295",
            "-labelsPerUnit=1024",
            "-scryptN=16",
            "-numUnits=27",
            "-datadir=/srv/post/diskA_post2",
            "-commitmentAtxId=" + Atx.Hex,
            "-yes",
        ], arguments);
        Assert.Matches("^[0-9a-f]{64}$", Atx.Hex);
    }

    [Fact]
    public void Max_file_size_is_passed_only_when_configured()
    {
        var fleet = Fleets.Build("/srv", Fleets.Post("/opt/postcli", maxFileSize: 1024), Fleets.Demo);

        var arguments = PostcliArguments.Build(fleet.Post, fleet.FindService("diskE_post1")!, Atx);

        Assert.Equal("-maxFileSize=1024", arguments[^1]);
        Assert.Equal(8, arguments.Count);
    }

    [Fact]
    public void Shell_line_quotes_only_what_needs_it() =>
        Assert.Equal("/opt/postcli -numUnits=4 '-datadir=/my post/it'\\''s'",
            PostcliArguments.ToShellLine("/opt/postcli", ["-numUnits=4", "-datadir=/my post/it's"]));

    [Theory]
    [InlineData("0x" + "AB01000000000000000000000000000000000000000000000000000000000000", true)]
    [InlineData("ab01000000000000000000000000000000000000000000000000000000000000", true)]
    [InlineData("ab01", false)]
    [InlineData("zz01000000000000000000000000000000000000000000000000000000000000", false)]
    public void Commitment_hex_is_validated_and_lower_cased(string text, bool valid)
    {
        Assert.Equal(valid, CommitmentAtx.TryParseHex(text, out var atx, out var error));
        if (valid)
        {
            Assert.Equal("ab01" + new string('0', 60), atx.Hex);
            Assert.Equal(44, atx.Base64.Length);
        }
        else
        {
            Assert.Contains("64 hex", error, StringComparison.Ordinal);
        }
    }
}
