using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.Tests;

public class IdentityKeyTests
{
    [Fact]
    public void Key_file_round_trips_and_public_half_is_checked()
    {
        var key = IdentityKey.Generate();
        var content = key.ToFileContent();

        Assert.Equal(IdentityKey.FileHexLength, content.Length);
        Assert.True(IdentityKey.TryParse(content.ToUpperInvariant(), out var parsed, out _));
        Assert.Equal(key.PublicKey, parsed!.PublicKey);

        var tampered = content[..64] + new string('0', 64);
        Assert.False(IdentityKey.TryParse(tampered, out _, out var error));
        Assert.Equal("private and public do not match", error);
        Assert.False(IdentityKey.TryParse(content + "\n", out _, out _));
    }

    [Fact]
    public void Rfc8032_test_vector_gives_the_expected_public_key()
    {
        // RFC 8032 section 7.1, TEST 1.
        var seed = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        var key = IdentityKey.FromSeed(seed);
        Assert.Equal("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", Convert.ToHexStringLower(key.PublicKey));
    }
}
