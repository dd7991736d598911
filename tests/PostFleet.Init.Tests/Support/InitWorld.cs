using PostFleet.Core.Configuration;
using PostFleet.Core.Init;
using PostFleet.Core.Model;
using PostFleet.Init.Inspection;
using PostFleet.Testing;

namespace PostFleet.Init.Tests.Support;

/// <summary>
/// One test's machine: a temp root with post/ data folders, node_data/, state/, a fake postcli with a real key per
/// identity, and an in-memory node. <see cref="Root"/> minus state/ and the fake's own folder is "the user's files".
/// </summary>
public sealed class InitWorld : IDisposable
{
    public static readonly byte[] HighestAtx = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 7))];

    private readonly TempDirectory _temp = new("pf-init");

    public InitWorld(IEnumerable<(string Disk, (string Name, uint Units)[] Services)> disks, ulong labelsPerUnit = 128, ulong? maxFileSize = 2048,
        int chunkBytes = 1024, double delaySeconds = 0.02, IEnumerable<string>? failWithInitError = null)
    {
        Postcli = FakePostcli.Create(_temp.Combine("fake"), chunkBytes, delaySeconds, failWithInitError);
        Fleet = Fleets.Build(Root, Fleets.Post(Postcli.Path, labelsPerUnit, maxFileSize), disks);
        foreach (var service in Fleet.Services)
        {
            var key = TestKey.Generate();
            Keys[service.Name] = key;
            Postcli.AssignKey(service.Name, key);
        }

        Node = new FakeNodeClient(HighestAtx);
    }

    public string Root => _temp.Path;

    public FleetSpec Fleet { get; set; }

    public FakePostcli Postcli { get; }

    public FakeNodeClient Node { get; }

    public Dictionary<string, TestKey> Keys { get; } = new(StringComparer.Ordinal);

    public IFreeSpaceProbe? FreeSpace { get; set; }

    public CommitmentAtx Commitment => CommitmentAtx.FromBytes(HighestAtx);

    public string IdentitiesDir => Path.Combine(Fleet.Node.DataDir, "identities");

    public string DataDir(string name) => Fleet.FindService(name)!.DataDir;

    public InitRunner Runner(TimeSpan? interruptGrace = null) => new(new InitDependencies(Node, TimeProvider.System)
    {
        FreeSpace = FreeSpace ?? new DriveFreeSpaceProbe(),
        ProgressInterval = TimeSpan.FromMilliseconds(100),
        InterruptGrace = interruptGrace ?? TimeSpan.FromSeconds(5),
    });

    public Task<InitOutcome> RunAsync(InitRequest? request = null, RecordingReporter? reporter = null, CancellationToken cancellationToken = default) =>
        Runner().RunAsync(request ?? new InitRequest(Fleet), reporter ?? new RecordingReporter(), cancellationToken);

    /// <summary>Marks these identities as loaded by the (fake) running node.</summary>
    public void NodeCarries(params string[] names)
    {
        foreach (var name in names)
        {
            Node.Carried.Add(new IdentityState(name, new NodeId(Keys[name].PublicHex), NodePostState.Idle));
        }
    }

    /// <summary>Everything the user owns: data folders and node data (not postfleet's state or the fake's folder).</summary>
    public SortedDictionary<string, string> UserFiles() =>
        Directory.Exists(Root) ? Support.UserFiles.Fingerprint(Root, Path.Combine(Root, "state"), Path.Combine(Root, "fake")) : [];

    public void Dispose() => _temp.Dispose();
}
