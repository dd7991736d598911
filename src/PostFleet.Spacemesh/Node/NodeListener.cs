namespace PostFleet.Spacemesh.Node;

/// <summary>The node's gRPC listeners (spacemesh-node.md §1); each serves a fixed list of services.</summary>
public enum NodeListener
{
    /// <summary>grpc-post-listener (or grpc-tls-listener with mTLS): PostService and PostInfoService.</summary>
    Post,

    /// <summary>grpc-public-listener: MeshService, NodeService, ActivationService, v2alpha1 NetworkService.</summary>
    Public,

    /// <summary>grpc-private-listener: AdminService (EventsStream), SmesherService.</summary>
    Private,
}
