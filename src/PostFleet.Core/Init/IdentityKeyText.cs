namespace PostFleet.Core.Init;

/// <summary>
/// The content of <c>identity.key</c> and of the node's <c>identities/*.key</c>: 128 hex characters of the ed25519
/// private key (32-byte seed ‖ 32-byte public key), no newline (spacemesh-node.md §4). The public half is the node id,
/// so it can be compared with the metadata's NodeId without any cryptography.
/// </summary>
public static class IdentityKeyText
{
    public const int HexLength = 128;

    /// <summary>The public key as lower-case hex, or null with the reason the node would refuse the file.</summary>
    public static string? PublicKeyHex(string content, out string error)
    {
        if (content.Length != HexLength)
        {
            error = content.TrimEnd('\r', '\n').Length == HexLength
                ? "ends with a newline; the node only accepts exactly 128 hex characters"
                : $"is {content.Length} characters long; a key file holds exactly {HexLength} hex characters";
            return null;
        }

        if (!content.All(Uri.IsHexDigit))
        {
            error = "holds characters that are not hex";
            return null;
        }

        error = "";
        return content[(HexLength / 2)..].ToLowerInvariant();
    }
}
