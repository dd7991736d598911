namespace PostFleet.Core.Model;

/// <summary>
/// What the node's PostInfoService.PostStates says about one identity: PROVING means "the node wants this
/// identity's post-service connected now", IDLE means it does not need it.
/// </summary>
public enum NodePostState
{
    Idle,
    Proving,
}

/// <summary>One row of PostStates. <paramref name="Name"/> is the key file name without ".key".</summary>
public sealed record IdentityState(string Name, NodeId Id, NodePostState State);
