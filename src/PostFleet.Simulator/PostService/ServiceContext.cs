using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.PostService;

/// <summary>Everything a running post-service knows: its options, the metadata loaded once, and the simulated hardware.</summary>
public sealed class ServiceContext(
    PostServiceOptions options,
    PostMetadata metadata,
    SimPlaces places,
    DiskProfile disk,
    HostProfile host,
    HostRecord record,
    ServiceLog log,
    TimeProvider time)
{
    public PostServiceOptions Options { get; } = options;

    public PostMetadata Metadata { get; } = metadata;

    public SimPlaces Places { get; } = places;

    public DiskProfile Disk { get; } = disk;

    public HostProfile Host { get; } = host;

    public ServiceLog Log { get; } = log;

    public TimeProvider Time { get; } = time;

    public NodeEndpoint? Endpoint { get; init; }

    public string NodeIdHex => Convert.ToHexStringLower(Metadata.NodeId);

    /// <summary>Repeatable per identity when the host profile fixes a seed.</summary>
    public Random NewRandom() => Host.Seed is { } seed
        ? new Random(seed ^ BitConverter.ToInt32(Metadata.NodeId, 0))
        : new Random();

    public void Record(string @event, IReadOnlyDictionary<string, object?>? fields = null)
    {
        try
        {
            record.Append(@event, NodeIdHex, Places.DataDir, Places.Disk, fields);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The record is for tests and tooling; a read-only host folder must not stop proving.
            Log.Warn("post_service::sim", $"cannot append to {record.Path}: {ex.Message}");
        }
    }
}
