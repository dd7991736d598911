namespace PostFleet.Core.Init;

/// <summary>
/// The ATX every identity's PoST data is committed to (postcli <c>-commitmentAtxId</c>). postcli wants it as hex,
/// the metadata file stores it as Base64; this keeps both views of the same 32 bytes.
/// </summary>
public readonly record struct CommitmentAtx
{
    public const int Length = 32;

    private CommitmentAtx(string hex) => Hex = hex;

    /// <summary>Lower-case hex, 64 characters: what postcli's <c>-commitmentAtxId</c> takes.</summary>
    public string Hex { get; }

    /// <summary>Standard Base64 with padding: how <c>postdata_metadata.json</c> stores it.</summary>
    public string Base64 => Convert.ToBase64String(Convert.FromHexString(Hex));

    public static CommitmentAtx FromBytes(ReadOnlySpan<byte> bytes) =>
        bytes.Length == Length
            ? new CommitmentAtx(Convert.ToHexStringLower(bytes))
            : throw new ArgumentException($"an ATX id is {Length} bytes, got {bytes.Length}", nameof(bytes));

    /// <summary>Accepts 64 hex characters (either case, an optional 0x prefix); the error says what was wrong.</summary>
    public static bool TryParseHex(string? text, out CommitmentAtx atx, out string error)
    {
        atx = default;
        var hex = text?.Trim() ?? "";
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[2..];
        }

        if (hex.Length != Length * 2 || !hex.All(Uri.IsHexDigit))
        {
            error = $"a commitment ATX id is {Length * 2} hex characters (32 bytes), got '{text}'";
            return false;
        }

        atx = new CommitmentAtx(hex.ToLowerInvariant());
        error = "";
        return true;
    }

    public override string ToString() => Hex;
}
