using System.Diagnostics;
using PostFleet.Runtime.Process;
using PostFleet.Testing;

namespace PostFleet.Runtime.Tests;

public sealed class ProcessRuntimeTests : IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);
    private readonly RuntimeHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Start_runs_the_program_itself_and_records_its_identity()
    {
        using var runtime = _harness.NewRuntime();

        var run = await runtime.StartAsync(_harness.Launch("diskA_post1", "/bin/sleep", "300"), CancellationToken.None);
        _harness.Track(run);

        Assert.True(run.Running);
        Assert.Null(run.ExitCode);

        // The recorded pid becomes the program itself once the launcher has exec'd it (the start does not wait).
        var pid = RuntimeHarness.Pid(run);
        await RuntimeHarness.ExecedAsync(run, "/bin/sleep");
        var process = ProcessSnapshot.Read(pid)!;
        Assert.Equal(["/bin/sleep", "300"], process.CommandLine);
        Assert.Equal($"{pid}@{process.StartTimeTicks}", run.InstanceId);

        var record = _harness.ReadRecord("diskA_post1");
        Assert.Equal("diskA_post1", (string?)record["service"]);
        Assert.Equal(pid, (int?)record["pid"]);
        Assert.Equal(process.StartTimeTicks, (ulong?)record["startTimeTicks"]);
        Assert.Equal("/bin/sleep", (string?)record["executable"]);
        Assert.Equal(["300"], record["arguments"]!.AsArray().Select(a => (string?)a));
        Assert.Equal(run.LogPath, (string?)record["logPath"]);
        Assert.NotNull(record["startedAt"]);
        Assert.NotNull(record["bootId"]);

        var listed = Assert.Single(await runtime.ListAsync(CancellationToken.None));
        Assert.Equal(run, listed);
    }

    [Fact]
    public async Task A_record_changed_or_removed_on_disk_is_listed_as_it_now_is_by_the_same_runtime()
    {
        using var runtime = _harness.NewRuntime();
        var run = await runtime.StartAsync(_harness.Launch("diskA_post1", "/bin/sleep", "300"), CancellationToken.None);
        _harness.Track(run);
        Assert.True(Assert.Single(await runtime.ListAsync(CancellationToken.None)).Running);

        // Listing again reads only changed files: a record now naming another process is that process's, not ours.
        var record = _harness.ReadRecord("diskA_post1");
        record["pid"] = Environment.ProcessId;
        _harness.WriteRecord("diskA_post1", record);
        var listed = Assert.Single(await runtime.ListAsync(CancellationToken.None));
        Assert.NotEqual(run.InstanceId, listed.InstanceId);
        Assert.False(listed.Running);

        File.Delete(_harness.RecordPath("diskA_post1"));
        Assert.Empty(await runtime.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_child_is_detached_and_writes_its_log_through_its_own_descriptors()
    {
        using var runtime = _harness.NewRuntime();

        var run = await runtime.StartAsync(_harness.Launch("svc", "/bin/sleep", "300"), CancellationToken.None);
        _harness.Track(run);

        // The start does not wait for the launcher's exec, which is when the descriptors are set: wait for the program.
        var pid = RuntimeHarness.Pid(run);
        await RuntimeHarness.ExecedAsync(run, "/bin/sleep");
        Assert.Equal(run.LogPath, File.ResolveLinkTarget($"/proc/{pid}/fd/1", returnFinalTarget: false)!.FullName);
        Assert.Equal(run.LogPath, File.ResolveLinkTarget($"/proc/{pid}/fd/2", returnFinalTarget: false)!.FullName);
        Assert.Equal("/dev/null", File.ResolveLinkTarget($"/proc/{pid}/fd/0", returnFinalTarget: false)!.FullName);

        // Its own session: Ctrl+C in the daemon's terminal or the terminal closing does not reach it.
        Assert.Equal(pid, ProcStat.Of(pid).Number(6));
    }

    [Fact]
    public async Task Stdout_and_stderr_go_to_one_log_per_run_and_the_exit_code_is_reported()
    {
        using var runtime = _harness.NewRuntime(new FixedWallClock(DateTimeOffset.Parse("2024-03-08T14:30:05Z")));

        var run = await runtime.StartAsync(_harness.Script("diskB_post2", "echo out-line; echo err-line >&2; exit 3"), CancellationToken.None);

        Assert.Equal(Path.Combine(_harness.LogDirectory, "diskB_post2-20240308T143005Z.log"), run.LogPath);
        var ended = await Eventually.UntilAsync(
            async () => (await runtime.ListAsync(CancellationToken.None)).SingleOrDefault(r => !r.Running),
            "the run to end");
        Assert.Equal(3, ended.ExitCode);
        var log = await File.ReadAllTextAsync(run.LogPath!);
        Assert.Contains("out-line\n", log, StringComparison.Ordinal);
        Assert.Contains("err-line\n", log, StringComparison.Ordinal);
        Assert.StartsWith("# postfleet 2024-03-08T14:30:05", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_sends_sigterm_and_the_run_is_observed_ended()
    {
        using var runtime = _harness.NewRuntime();
        var run = await runtime.StartAsync(_harness.Launch("svc", "/bin/sleep", "300"), CancellationToken.None);
        _harness.Track(run);

        await runtime.StopAsync(run, Grace, CancellationToken.None);

        // Ended by SIGTERM itself (128 + 15), not by the SIGKILL that follows the grace period.
        var stopped = Assert.Single(await runtime.ListAsync(CancellationToken.None));
        Assert.False(stopped.Running);
        Assert.Equal(128 + Posix.SigTerm, stopped.ExitCode);
        Assert.False(RuntimeHarness.IsAlive(RuntimeHarness.Pid(run)));
    }

    [Fact]
    public async Task A_process_that_ignores_sigterm_is_killed_after_the_grace_period()
    {
        using var runtime = _harness.NewRuntime();
        var run = await runtime.StartAsync(_harness.Script("stubborn", "trap 'echo survived TERM' TERM; echo ready; while :; do sleep 0.1; done"), CancellationToken.None);
        _harness.Track(run);
        // Whole lines: the log's first line, the command the runtime started, holds the script's text too.
        await Eventually.UntilAsync(() => File.ReadAllLines(run.LogPath!).Contains("ready"), "the trap to be set");

        await runtime.StopAsync(run, TimeSpan.FromSeconds(1), CancellationToken.None);

        // In that order: SIGTERM first (the script saw it and went on), then SIGKILL (128 + 9) once the grace ran out.
        Assert.Contains("survived TERM", File.ReadAllLines(run.LogPath!));
        var stopped = Assert.Single(await runtime.ListAsync(CancellationToken.None));
        Assert.False(stopped.Running);
        Assert.Equal(128 + Posix.SigKill, stopped.ExitCode);
    }

    [Fact]
    public async Task Stop_is_idempotent()
    {
        using var runtime = _harness.NewRuntime();
        var run = await runtime.StartAsync(_harness.Launch("svc", "/bin/sleep", "300"), CancellationToken.None);
        _harness.Track(run);

        await runtime.StopAsync(run, Grace, CancellationToken.None);
        await runtime.StopAsync(run, Grace, CancellationToken.None);
        await runtime.ForgetAsync(run, CancellationToken.None);
        await runtime.StopAsync(run, Grace, CancellationToken.None);

        Assert.Empty(await runtime.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_running_service_is_not_started_twice_nor_forgotten()
    {
        using var runtime = _harness.NewRuntime();
        var launch = _harness.Launch("svc", "/bin/sleep", "300");
        var run = await runtime.StartAsync(launch, CancellationToken.None);
        _harness.Track(run);

        await Assert.ThrowsAsync<InvalidOperationException>(() => runtime.StartAsync(launch, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => runtime.ForgetAsync(run, CancellationToken.None));

        await runtime.StopAsync(run, Grace, CancellationToken.None);
        await runtime.ForgetAsync(run, CancellationToken.None);
        Assert.False(File.Exists(_harness.RecordPath("svc")));
        Assert.Empty(await runtime.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_program_that_cannot_be_executed_is_reported_ended_with_the_shell_error_in_its_log()
    {
        using var runtime = _harness.NewRuntime();

        var run = await runtime.StartAsync(_harness.Launch("svc", "/nonexistent/post-service", "--dir", "x"), CancellationToken.None);

        // The start does not wait for the exec: the launcher's shell fails it and exits, and the list says so.
        var listed = await Eventually.UntilAsync(
            async () => Assert.Single(await runtime.ListAsync(CancellationToken.None)) is { Running: false } ended ? ended : null,
            "the launcher to fail the exec");
        Assert.Equal(run.InstanceId, listed.InstanceId);
        Assert.Equal(127, listed.ExitCode);
        Assert.Contains("/nonexistent/post-service", await File.ReadAllTextAsync(run.LogPath!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public async Task A_program_starts_with_the_runtimes_niceness_and_keeps_its_pid(int nice)
    {
        using var runtime = new ProcessRuntime(_harness.StateDirectory, nice: nice);
        var run = await runtime.StartAsync(_harness.Launch("svc", "/bin/sleep", "300"), CancellationToken.None);
        _harness.Track(run);

        // nice(1) execs the program like the launcher does: the recorded pid is the program's, at that niceness.
        await RuntimeHarness.ExecedAsync(run, "/bin/sleep");
        Assert.Equal(OwnNice() + nice, Nice(RuntimeHarness.Pid(run)));
        Assert.True(Assert.Single(await _harness.NewRuntime().ListAsync(CancellationToken.None)).Running);

        // Its session's scheduling group too, where the kernel groups by session: a niced thread alone weighs only
        // against its own group, and the program is alone in its session.
        var group = $"/proc/{RuntimeHarness.Pid(run)}/autogroup";
        if (nice != 0 && File.Exists(group))
        {
            Assert.Equal(Math.Min(DetachedLaunch.ReadGroupNice("/proc/self/autogroup") + nice, 19), DetachedLaunch.ReadGroupNice(group));
        }
    }

    [Fact]
    public async Task A_niced_program_starts_even_where_its_group_cannot_be_niced()
    {
        // The same script with a group niceness the kernel refuses (EINVAL): after its tries the program runs anyway.
        var log = Path.Combine(Directory.CreateDirectory(_harness.StateDirectory).FullName, "refused.log");
        var info = new System.Diagnostics.ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", DetachedLaunch.NicedScript, log, "99", "/bin/echo", "started" } };
        using var process = System.Diagnostics.Process.Start(info)!;
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        Assert.Equal("started\n", await File.ReadAllTextAsync(log));
    }

    private static int Nice(int pid) => ProcStat.Of(pid).Nice;

    private static int OwnNice() => Nice(Environment.ProcessId);
}
