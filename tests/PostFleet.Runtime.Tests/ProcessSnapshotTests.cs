using System.Text;
using PostFleet.Runtime.Process;

namespace PostFleet.Runtime.Tests;

public class ProcessSnapshotTests
{
    [Fact]
    public void Fields_are_counted_from_the_last_parenthesis_because_the_command_name_may_contain_any()
    {
        // Fields 3..22: state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt, majflt, cmajflt,
        // utime, stime, cutime, cstime, priority, nice, num_threads, itrealvalue, starttime.
        const string Stat = "4242 (we) ird (name) S 1 4242 4242 0 -1 4194304 100 0 0 0 1 2 0 0 20 0 1 0 987654 8192 100";

        var snapshot = ProcessSnapshot.ParseStat(4242, Stat, Encoding.UTF8.GetBytes("post-service\0--dir\0/data/a b\0"))!;

        Assert.Equal(987654ul, snapshot.StartTimeTicks);
        Assert.Equal('S', snapshot.State);
        Assert.Equal(["post-service", "--dir", "/data/a b"], snapshot.CommandLine);
        Assert.False(snapshot.HasEnded);
    }

    [Fact]
    public void A_zombie_has_ended_and_an_empty_argv()
    {
        var snapshot = ProcessSnapshot.ParseStat(7, "7 (sleep) Z 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 555 0 0", [])!;

        Assert.True(snapshot.HasEnded);
        Assert.Empty(snapshot.CommandLine);
    }

    [Fact]
    public void The_current_process_can_be_read()
    {
        var self = ProcessSnapshot.Read(Environment.ProcessId)!;

        Assert.True(self.StartTimeTicks > 0);
        Assert.NotEmpty(self.CommandLine);
    }
}
