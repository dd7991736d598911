namespace PostFleet.Core.Model;

/// <summary>An identity's ed25519 public key (32 bytes), kept as lower-case hex so it compares by value.</summary>
public readonly record struct NodeId
{
    public const int Length = 32;

    public NodeId(string hex)
    {
        if (hex.Length != Length * 2 || !hex.All(Uri.IsHexDigit))
        {
            throw new ArgumentException($"a node id is {Length * 2} hex characters, got '{hex}'", nameof(hex));
        }

        Hex = hex.ToLowerInvariant();
    }

    // Lower-case hex of exactly Length bytes by construction: the node's answers make a thousand of these a read.
    private NodeId(string lowerHex, bool _) => Hex = lowerHex;

    public string Hex { get; }

    public static NodeId FromBytes(ReadOnlySpan<byte> bytes) =>
        bytes.Length == Length
            ? new NodeId(Convert.ToHexStringLower(bytes), true)
            : throw new ArgumentException($"a node id is {Length} bytes, got {bytes.Length}", nameof(bytes));

    public byte[] ToBytes() => Convert.FromHexString(Hex);

    /// <summary>Short form for logs and tables.</summary>
    public string Short => Hex[..8];

    public override string ToString() => Hex;
}
