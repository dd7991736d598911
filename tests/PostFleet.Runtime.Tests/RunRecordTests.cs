using System.Text;
using PostFleet.Runtime.Process;

namespace PostFleet.Runtime.Tests;

/// <summary>
/// Which live process is a recorded run: pid, start time and boot name it; the argv only guards against the wrong
/// record, and a wrapper's exec shows an empty one for a moment, which must not end the run (its disk would look free).
/// </summary>
public sealed class RunRecordTests
{
    private const string Boot = "boot-1";
    private const string Stat = "4242 (sh) S 1 4242 4242 0 -1 4194304 100 0 0 0 1 2 0 0 20 0 1 0 987654 8192 100";
    private const string ZombieStat = "4242 (sh) Z 1 4242 4242 0 -1 4194304 100 0 0 0 1 2 0 0 20 0 1 0 987654 8192 100";

    private static readonly RunRecord Record = new(
        "svc", 4242, 987654, Boot, "/opt/bin/post-service", ["--dir", "/data/a", "--operator-address", "127.0.0.1:50051"],
        DateTimeOffset.UnixEpoch, "/logs/svc-x.log");

    private static ProcessSnapshot Snapshot(string argv, string stat = Stat) =>
        ProcessSnapshot.ParseStat(4242, stat, Encoding.UTF8.GetBytes(argv))!;

    [Fact]
    public void The_program_or_a_wrapper_with_the_same_arguments_is_the_run()
    {
        var program = Snapshot("/opt/bin/post-service\0--dir\0/data/a\0--operator-address\0127.0.0.1:50051\0");
        var wrapper = Snapshot("/bin/sh\0/opt/bin/post-service\0--dir\0/data/a\0--operator-address\0127.0.0.1:50051\0");

        Assert.True(Record.IsRunningAs(program, Boot));
        Assert.True(Record.IsRunningAs(wrapper, Boot));
    }

    [Fact]
    public void While_an_exec_replaces_the_program_the_empty_argv_is_still_the_run() =>
        Assert.True(Record.IsRunningAs(Snapshot(""), Boot));

    [Fact]
    public void The_launcher_before_its_exec_is_the_run_on_its_way()
    {
        // setsid, then the shell: the same process (pid, start time) that execs the program; a start does not wait.
        var setsid = Snapshot($"/usr/bin/setsid\0/bin/sh\0-c\0{DetachedLaunch.Script}\0/logs/svc-x.log\0/opt/bin/post-service\0--dir\0/data/a\0--operator-address\0127.0.0.1:50051\0");
        var shell = Snapshot($"/bin/sh\0-c\0{DetachedLaunch.Script}\0/logs/svc-x.log\0/opt/bin/post-service\0--dir\0/data/a\0--operator-address\0127.0.0.1:50051\0");

        Assert.True(Record.IsRunningAs(setsid, Boot));
        Assert.True(Record.IsRunningAs(shell, Boot));
        Assert.False(Record.IsRunningAs(setsid with { StartTimeTicks = 1 }, Boot));
    }

    [Fact]
    public void Another_argv_boot_start_time_or_a_zombie_is_not_the_run()
    {
        Assert.False(Record.IsRunningAs(Snapshot("/opt/bin/post-service\0--dir\0/data/b\0--operator-address\0127.0.0.1:50051\0"), Boot));
        Assert.False(Record.IsRunningAs(Snapshot(""), "boot-2"));
        Assert.False(Record.IsRunningAs(Snapshot("", ZombieStat), Boot));
        Assert.False(Record.IsRunningAs(Snapshot("") with { StartTimeTicks = 1 }, Boot));
        Assert.False(Record.IsRunningAs(null, Boot));
    }
}
