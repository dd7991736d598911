namespace PostFleet.Simulator.Node;

/// <summary>The node's loaded, immutable facts: settings, identities and the network clock they run on.</summary>
public sealed class SimNode(NodeSettings settings, SmeshingMode mode, IReadOnlyList<NodeIdentity> identities)
{
    public const string Version = "v1.7.6-sim";

    public NodeSettings Settings { get; } = settings;

    public SmeshingMode Mode { get; } = mode;

    public IReadOnlyList<NodeIdentity> Identities { get; } = identities;

    public EpochTimeline Timeline { get; } = new(settings.Network);

    public NetworkIds Ids { get; } = new(settings.Network.Genesis);

    /// <summary>
    /// Identities the ATX builder proves for. Supervised mode registers its single identity only after a local
    /// PoST initialisation, which the simulator does not run.
    /// </summary>
    public IReadOnlyList<NodeIdentity> ProvingIdentities =>
        Mode == SmeshingMode.Remote && Settings.Coinbase.Length > 0 ? Identities : [];

    public NodeIdentity? FindIdentity(string nodeIdHex) => Identities.FirstOrDefault(i => i.NodeIdHex == nodeIdHex);
}
