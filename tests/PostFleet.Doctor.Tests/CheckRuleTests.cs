using System.Collections.Immutable;
using PostFleet.Core.Init;
using PostFleet.Core.Model;
using PostFleet.Core.Timeline;
using PostFleet.Doctor.Checks;
using PostFleet.Doctor.Discovery;
using PostFleet.Doctor.Probes;
using PostFleet.Init.Inspection;
using PostFleet.Spacemesh.Node;

namespace PostFleet.Doctor.Tests;

/// <summary>The pure rules, for the cases a live node cannot easily be made to show.</summary>
public sealed class CheckRuleTests
{
    private static readonly NetworkClock Clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), TimeSpan.FromMinutes(5), 4032);

    [Fact]
    public void A_clock_more_than_one_layer_off_is_a_warning()
    {
        var now = Clock.Genesis + TimeSpan.FromMinutes(50);
        Assert.Equal(Severity.Ok, ClockCheck.Evaluate(new ClockObservation(Clock, 9, now)).Severity);
        var off = ClockCheck.Evaluate(new ClockObservation(Clock, 7, now));
        Assert.Equal(Severity.Warn, off.Severity);
        Assert.EndsWith(": 3 layers ahead of the node", off.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Supervised_mode_and_a_missing_coinbase_are_errors()
    {
        var findings = SmeshingCheck.Evaluate(new SmeshingObservation("OK", false, "")).ToList();
        Assert.All(findings, f => Assert.Equal(Severity.Error, f.Severity));
        Assert.StartsWith("the node is in supervised mode", findings[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("no coinbase is set", findings[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_listener_is_recognised_by_what_it_serves()
    {
        var finding = ListenerCheck.Evaluate(new ListenerObservation(NodeListener.Private, new Uri("http://127.0.0.1:1"), ["spacemesh.v1.PostService", "spacemesh.v1.PostInfoService"]));
        Assert.Equal("AdminService, SmesherService not served here (it looks like the node's post listener); it serves PostService, PostInfoService", finding.Message);
    }

    [Fact]
    public void A_missing_postcli_is_only_a_warning()
    {
        var finding = BinaryCheck.Evaluate(new BinaryObservation("postcli", "post.postcli-binary", "postcli", "postcli", false, false));
        Assert.Equal(Severity.Warn, finding.Severity);
        Assert.Equal("'postcli' not found on PATH; only `postfleet init` needs it", finding.Message);
    }

    [Fact]
    public void Free_space_short_of_the_unfinished_data_is_an_error()
    {
        var finding = FreeSpaceCheck.Evaluate(new VolumeObservation("/mnt/a", 1UL << 30, 2UL << 30, ["a"]));
        Assert.Equal(Severity.Error, finding.Severity);
        Assert.Equal("1 GiB free, but unfinished PoST data still needs 2 GiB", finding.Message);
    }

    [Fact]
    public void Discovery_matches_by_node_id_and_reports_duplicates_and_leftovers()
    {
        var a = new NodeId(new string('a', 64));
        var b = new NodeId(new string('b', 64));
        var c = new NodeId(new string('c', 64));
        FoundDataDir Dir(string path, NodeId id) => new("/d", path, new PostMetadata(Convert.ToBase64String(id.ToBytes()), Convert.ToBase64String(new byte[32]), 64, 2, 1024, null));

        var plan = DiscoveryPlanner.Plan(
            [new IdentityState("a", a, NodePostState.Idle), new IdentityState("b", b, NodePostState.Idle)],
            [Dir("/d/x", a), Dir("/d/y", a), Dir("/d/z", c)],
            d => d.Root,
            100);

        var service = Assert.Single(Assert.Single(plan.Disks).Services);
        Assert.Equal(("a", "/d/x", "127.0.0.1:100"), (service.Name, service.Dir, service.Operator));
        Assert.Equal("b", Assert.Single(plan.UnmatchedIdentities).Name);
        Assert.Equal(["/d/y", "/d/z"], plan.UnmatchedDirs.Select(d => d.Dir));
        Assert.Contains(plan.Notes, n => n.StartsWith("/d/y holds the same identity", StringComparison.Ordinal));
    }

    [Fact]
    public void Disk_names_are_made_valid_and_unique()
    {
        var taken = new HashSet<string>();
        Assert.Equal("my_disk", DiscoveryPlanner.DiskName("/mnt/my disk", taken));
        Assert.Equal("my_disk-2", DiscoveryPlanner.DiskName("/srv/my disk/", taken));
        Assert.Equal("disk", DiscoveryPlanner.DiskName("/", taken));
    }

    [Fact]
    public void A_path_belongs_to_its_longest_mount_point()
    {
        string[] mounts = ["/", "/mnt", "/mnt/a", "/mnt/ab"];
        Assert.Equal("/mnt/a", DriveFreeSpaceProbe.MountOf("/mnt/a/post/x", mounts));
        Assert.Equal("/mnt/ab", DriveFreeSpaceProbe.MountOf("/mnt/ab", mounts));
        Assert.Equal("/", DriveFreeSpaceProbe.MountOf("/home/x", mounts));
    }

    [Fact]
    public void Data_without_metadata_and_extra_files_are_reported()
    {
        var service = new Core.Configuration.ServiceSpec("a", "d", "/x", 1, "127.0.0.1:1", [], 0);
        var post = new Core.Configuration.PostSettings("p", "c", 64, 2, 1, 1, new string('f', 64), "light", 1, 16, 1, 8, 1024, 0);
        var empty = new PostDataObservation("/x", true, ImmutableSortedDictionary<int, ulong>.Empty, null, null);
        Assert.Equal("no postdata_metadata.json: not initialised", Assert.Single(DataDirCheck.Evaluate(service, post, empty, null, null)).Message);
    }
}
