using Org.BouncyCastle.Crypto.Parameters;

namespace PostFleet.Simulator.Common;

/// <summary>
/// An ed25519 identity in go-spacemesh's key-file format: hex of the 64-byte private key
/// (32-byte seed followed by the 32-byte public key), 128 characters, no trailing newline.
/// </summary>
public sealed class IdentityKey
{
    public const int SeedLength = 32;
    public const int PublicKeyLength = 32;
    public const int FileHexLength = (SeedLength + PublicKeyLength) * 2;

    private IdentityKey(byte[] seed, byte[] publicKey)
    {
        Seed = seed;
        PublicKey = publicKey;
    }

    public byte[] Seed { get; }

    /// <summary>The node id.</summary>
    public byte[] PublicKey { get; }

    public static IdentityKey Generate()
    {
        var seed = System.Security.Cryptography.RandomNumberGenerator.GetBytes(SeedLength);
        return FromSeed(seed);
    }

    public static IdentityKey FromSeed(byte[] seed)
    {
        if (seed.Length != SeedLength)
        {
            throw new ArgumentException($"an ed25519 seed is {SeedLength} bytes, got {seed.Length}", nameof(seed));
        }

        var publicKey = new Ed25519PrivateKeyParameters(seed, 0).GeneratePublicKey().GetEncoded();
        return new IdentityKey((byte[])seed.Clone(), publicKey);
    }

    /// <summary>Parses key-file content with the node's rules; the message says what is wrong.</summary>
    public static bool TryParse(string content, out IdentityKey? key, out string error)
    {
        key = null;
        if (content.Length % 2 != 0)
        {
            error = "odd length hex string";
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(content);
        }
        catch (FormatException)
        {
            error = "invalid hex: the file must hold exactly 128 hex characters and no newline";
            return false;
        }

        if (bytes.Length != SeedLength + PublicKeyLength)
        {
            error = $"invalid key size: {bytes.Length} bytes, expected {SeedLength + PublicKeyLength}";
            return false;
        }

        var candidate = FromSeed(bytes[..SeedLength]);
        if (!candidate.PublicKey.AsSpan().SequenceEqual(bytes.AsSpan(SeedLength)))
        {
            error = "private and public do not match";
            return false;
        }

        key = candidate;
        error = "";
        return true;
    }

    public string ToFileContent() => Convert.ToHexStringLower([.. Seed, .. PublicKey]);
}
