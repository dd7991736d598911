namespace PostFleet.Core.Model;

/// <summary>The events of AdminService.EventsStream the orchestrator acts on; others arrive as <see cref="Other"/>.</summary>
public abstract record NodeEvent(DateTimeOffset Time)
{
    /// <summary>postStart: the identity's service connected during a proof request.</summary>
    public sealed record PostStarted(DateTimeOffset Time, NodeId Smesher, string ChallengeHex) : NodeEvent(Time);

    /// <summary>postComplete without failure: the node received the proof.</summary>
    public sealed record PostCompleted(DateTimeOffset Time, NodeId Smesher, string ChallengeHex) : NodeEvent(Time);

    /// <summary>postComplete with failure=true (service error, bad response or deadline hit).</summary>
    public sealed record PostFailed(DateTimeOffset Time, NodeId Smesher, string Help) : NodeEvent(Time);

    public sealed record PoetWaitRound(DateTimeOffset Time, NodeId Smesher, uint Current, uint Publish, DateTimeOffset Until) : NodeEvent(Time);

    public sealed record PoetWaitProof(DateTimeOffset Time, NodeId Smesher, uint Publish, uint Target, DateTimeOffset Until) : NodeEvent(Time);

    public sealed record AtxPublished(DateTimeOffset Time, NodeId Smesher, uint Current, uint Target, string AtxIdHex) : NodeEvent(Time);

    public sealed record Other(DateTimeOffset Time, string Kind, string Help) : NodeEvent(Time);
}
