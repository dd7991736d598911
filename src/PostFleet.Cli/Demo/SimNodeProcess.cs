using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using PostFleet.Simulator.Fleet;

namespace PostFleet.Cli.Demo;

/// <summary>
/// The demo's simulated node: a separate `postfleet sim node` process, its output appended to a log file. Like a real
/// node (its own service, never in its operator's login session) it runs in a session of its own: with the kernel's
/// autogroups a process shares the CPU with its session's other processes first, and in a 1,000-identity gap the node
/// took about a third of that share from the daemon (13% of a core beside the daemon's 33%). The node shuts down
/// when the demo is gone (`--sim-watch-pid`), as the terminal's hang-up no longer reaches it; the demo stops it
/// itself on Ctrl-C.
/// </summary>
internal sealed class SimNodeProcess : IAsyncDisposable
{
    private readonly Process _process;

    private SimNodeProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static SimNodeProcess Start(string postfleetExecutable, IReadOnlyList<string> arguments, string logPath) =>
        new(LoggedProcess.Start(postfleetExecutable, [.. arguments, "--sim-watch-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)], logPath, ownSession: true));

    /// <summary>Stops the node the way an operator would (SIGTERM: the node shuts down cleanly), then waits.</summary>
    public async Task StopAsync(TimeSpan grace, TimeProvider time)
    {
        if (_process.HasExited)
        {
            return;
        }

        _ = Kill(_process.Id, 15);
        using var timeout = new CancellationTokenSource(grace, time);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5), TimeProvider.System);
        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
