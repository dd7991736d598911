using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace PostFleet.Init.Tests.Support;

/// <summary>A valid ed25519 key in the node's key-file format (seed ‖ public key, 128 hex), and its public half.</summary>
public sealed record TestKey(string FileContent, string PublicHex)
{
    public string PublicBase64 => Convert.ToBase64String(Convert.FromHexString(PublicHex));

    public static TestKey Generate()
    {
        var seed = new byte[32];
        new SecureRandom().NextBytes(seed);
        var publicKey = new Ed25519PrivateKeyParameters(seed, 0).GeneratePublicKey().GetEncoded();
        return new TestKey(Convert.ToHexStringLower([.. seed, .. publicKey]), Convert.ToHexStringLower(publicKey));
    }
}
