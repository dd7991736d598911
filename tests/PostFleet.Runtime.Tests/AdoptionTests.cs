using System.Text.Json.Nodes;

namespace PostFleet.Runtime.Tests;

/// <summary>A daemon that crashed or restarted finds its services again through the run records.</summary>
public sealed class AdoptionTests : IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);
    private readonly RuntimeHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_new_runtime_over_the_same_state_adopts_the_running_service_and_can_stop_it()
    {
        var first = _harness.NewRuntime();
        var run = await first.StartAsync(_harness.Launch("diskA_post1", "/bin/sleep", "300"), CancellationToken.None);
        _harness.Track(run);
        first.Dispose();

        using var second = _harness.NewRuntime();
        var adopted = Assert.Single(await second.ListAsync(CancellationToken.None));
        Assert.True(adopted.Running);
        Assert.Equal(run.InstanceId, adopted.InstanceId);
        Assert.Equal(run.StartedAt, adopted.StartedAt);
        Assert.Equal(run.LogPath, adopted.LogPath);

        await second.StopAsync(adopted, Grace, CancellationToken.None);

        Assert.False(RuntimeHarness.IsAlive(RuntimeHarness.Pid(run)));
        var ended = Assert.Single(await second.ListAsync(CancellationToken.None));
        Assert.False(ended.Running);
        Assert.Null(ended.ExitCode);
    }

    [Fact]
    public async Task A_record_whose_pid_now_belongs_to_another_process_is_not_running_and_that_process_is_not_signalled()
    {
        using var first = _harness.NewRuntime();
        var run = await first.StartAsync(_harness.Launch("diskA_post1", "/bin/sleep", "300"), CancellationToken.None);
        _harness.Track(run);
        var pid = RuntimeHarness.Pid(run);

        // Same PID, another start time: what a recycled PID looks like.
        var record = _harness.ReadRecord("diskA_post1");
        record["startTimeTicks"] = (ulong)record["startTimeTicks"]! + 1;
        _harness.WriteRecord("diskA_post1", record);

        using var second = _harness.NewRuntime();
        var stale = Assert.Single(await second.ListAsync(CancellationToken.None));
        Assert.False(stale.Running);
        Assert.Null(stale.ExitCode);

        await second.StopAsync(stale, TimeSpan.FromMilliseconds(200), CancellationToken.None);
        await second.ForgetAsync(stale, CancellationToken.None);

        Assert.True(RuntimeHarness.IsAlive(pid));
        Assert.Empty(await second.ListAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("arguments")]
    [InlineData("bootId")]
    [InlineData("startTimeTicks")]
    public async Task A_record_that_differs_from_the_live_process_in_any_identity_field_is_not_adopted(string field)
    {
        using var first = _harness.NewRuntime();
        var run = await first.StartAsync(_harness.Launch("svc", "/bin/sleep", "300"), CancellationToken.None);
        _harness.Track(run);

        // Judged against the program's own argv: inside an exec the argv is empty for a moment, which is never refused.
        await RuntimeHarness.ExecedAsync(run, "/bin/sleep");
        var record = _harness.ReadRecord("svc");
        record[field] = field switch
        {
            "arguments" => new JsonArray("301"),
            "startTimeTicks" => (JsonNode)(record[field]!.GetValue<ulong>() + 1),
            _ => (JsonNode)"something-else",
        };
        _harness.WriteRecord("svc", record);

        using var second = _harness.NewRuntime();
        var stale = Assert.Single(await second.ListAsync(CancellationToken.None));
        Assert.False(stale.Running);
        await second.StopAsync(stale, TimeSpan.FromMilliseconds(200), CancellationToken.None);
        Assert.True(RuntimeHarness.IsAlive(RuntimeHarness.Pid(run)));
    }

    [Fact]
    public async Task A_wrapper_that_execs_the_program_with_the_same_arguments_is_recognised_and_adopted()
    {
        var wrapper = Path.Combine(Path.GetTempPath(), $"pf-wrapper-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(wrapper, "#!/bin/sh\nexec /bin/sleep \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        try
        {
            using var first = _harness.NewRuntime();
            var run = await first.StartAsync(_harness.Launch("svc", wrapper, "300"), CancellationToken.None);
            _harness.Track(run);

            using var second = _harness.NewRuntime();
            var adopted = Assert.Single(await second.ListAsync(CancellationToken.None));
            Assert.True(adopted.Running);
            Assert.Equal(run.InstanceId, adopted.InstanceId);
        }
        finally
        {
            File.Delete(wrapper);
        }
    }

    [Fact]
    public async Task An_unreadable_record_is_skipped()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_harness.RecordPath("broken"))!);
        await File.WriteAllTextAsync(_harness.RecordPath("broken"), "{ not json");

        using var runtime = _harness.NewRuntime();

        Assert.Empty(await runtime.ListAsync(CancellationToken.None));
    }
}
