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
        var pid = RuntimeHarness.Pid(run);
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
    public async Task The_child_is_detached_and_writes_its_log_through_its_own_descriptors()
    {
        using var runtime = _harness.NewRuntime();

        var run = await runtime.StartAsync(_harness.Launch("svc", "/bin/sleep", "300"), CancellationToken.None);
        _harness.Track(run);

        var pid = RuntimeHarness.Pid(run);
        Assert.Equal(run.LogPath, File.ResolveLinkTarget($"/proc/{pid}/fd/1", returnFinalTarget: false)!.FullName);
        Assert.Equal(run.LogPath, File.ResolveLinkTarget($"/proc/{pid}/fd/2", returnFinalTarget: false)!.FullName);
        Assert.Equal("/dev/null", File.ResolveLinkTarget($"/proc/{pid}/fd/0", returnFinalTarget: false)!.FullName);

        // Its own session: Ctrl+C in the daemon's terminal or the terminal closing does not reach it.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var session = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3];
        Assert.Equal(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), session);
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
        await Eventually.UntilAsync(() => File.ReadAllText(run.LogPath!).Contains("ready", StringComparison.Ordinal), "the trap to be set");

        await runtime.StopAsync(run, TimeSpan.FromSeconds(1), CancellationToken.None);

        // In that order: SIGTERM first (the script saw it and went on), then SIGKILL (128 + 9) once the grace ran out.
        Assert.Contains("survived TERM", File.ReadAllText(run.LogPath!), StringComparison.Ordinal);
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

        Assert.False(run.Running);
        var listed = Assert.Single(await runtime.ListAsync(CancellationToken.None));
        Assert.Equal(127, listed.ExitCode);
        Assert.Contains("/nonexistent/post-service", await File.ReadAllTextAsync(run.LogPath!), StringComparison.Ordinal);
    }
}
