using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.Node;

/// <summary>One signer of the node: its key file name (PostStates `name`) and public key (node id).</summary>
public sealed class NodeIdentity(string fileName, IdentityKey key)
{
    /// <summary>Base file name including `.key`, exactly what PostStates reports.</summary>
    public string FileName { get; } = fileName;

    /// <summary>File name without `.key`, used in the sim record.</summary>
    public string Name => FileName[..^IdentityLoader.KeyExtension.Length];

    public byte[] NodeId => key.PublicKey;

    public string NodeIdHex { get; } = Convert.ToHexStringLower(key.PublicKey);
}

public enum SmeshingMode
{
    /// <summary>A single `local.key`: the node would manage its own post-service (not modelled).</summary>
    Supervised,

    /// <summary>1:N: identities are proved by external post-services over the Register stream.</summary>
    Remote,
}
