using System.Net;
using System.Net.Sockets;
using PostFleet.Testing;
using Xunit.Sdk;

namespace PostFleet.Runtime.Tests;

/// <summary>The shared test helpers every real-process test leans on: waiting on conditions, and free ports.</summary>
public sealed class TestingHelpersTests
{
    [Fact]
    public async Task A_failed_assertion_inside_a_probe_fails_the_wait_at_once_instead_of_being_retried()
    {
        var probes = 0;
        await Assert.ThrowsAsync<EqualException>(() => Eventually.UntilAsync<object>(() =>
        {
            probes++;
            Assert.Equal(1, 2);
            return Task.FromResult<object?>(null);
        }, "never", TimeSpan.FromSeconds(30)));
        Assert.Equal(1, probes);
    }

    [Fact]
    public async Task An_ordinary_exception_means_not_ready_yet_and_is_retried()
    {
        var probes = 0;
        var value = await Eventually.UntilAsync(() => ++probes < 3 ? throw new IOException("not written yet") : Task.FromResult<string?>("ready"), "the third probe", interval: TimeSpan.FromMilliseconds(1));
        Assert.Equal(("ready", 3), (value, probes));
    }

    [Fact]
    public async Task A_wait_that_times_out_names_what_it_waited_for_and_the_last_error()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(() => Eventually.UntilAsync<string>(() => throw new IOException("connection refused"), "the node to listen", TimeSpan.FromMilliseconds(200)));
        Assert.Contains("the node to listen", error.Message, StringComparison.Ordinal);
        Assert.Contains("connection refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_handed_out_is_free_to_bind_and_claimed_against_every_other_process()
    {
        var ports = Enumerable.Range(0, 20).Select(_ => FreePorts.Next()).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());

        using (var listener = new TcpListener(IPAddress.Loopback, ports[0]))
        {
            listener.Start();
        }

        // Another process cannot take the claim (flock -n fails with 1 while this test process holds it).
        var claim = Path.Combine(Path.GetTempPath(), "postfleet-test-ports", $"{ports[0]}.lock");
        await using var other = ChildProcess.Start("flock", ["--nonblock", "--conflict-exit-code", "7", claim, "true"]);
        Assert.Equal(7, await other.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }
}
