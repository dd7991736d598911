namespace PostFleet.Runtime.Docker;

/// <summary>
/// A run's <see cref="PostFleet.Core.Model.RuntimeInstance.InstanceId"/>: "endpoint/container id". The engine never
/// reuses a container id, and the endpoint part lets a stop reach the right host after an adoption.
/// </summary>
internal readonly record struct DockerInstanceId(string Endpoint, string ContainerId)
{
    public override string ToString() => $"{Endpoint}/{ContainerId}";

    public static DockerInstanceId Parse(string instanceId)
    {
        var slash = instanceId.LastIndexOf('/');
        return slash > 0 && slash < instanceId.Length - 1
            ? new DockerInstanceId(instanceId[..slash], instanceId[(slash + 1)..])
            : throw new ArgumentException($"'{instanceId}' is not a Docker runtime instance id (endpoint/container)", nameof(instanceId));
    }
}
