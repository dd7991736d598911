using System.Diagnostics;
using System.Text;

namespace PostFleet.Testing;

/// <summary>
/// A real child process whose stdout and stderr are kept in memory (and mirrored to a log file) so tests can wait
/// for a line. Killed on dispose.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();
    private readonly StreamWriter? _log;
    private int _pid;

    private ChildProcess(Process process, string? logPath)
    {
        _process = process;
        if (logPath is not null)
        {
            _log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        }
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// What the process is doing now, for a timeout's message: its exit code once it has exited, else the kernel's
    /// state letter (R running, S sleeping, D in I/O, T stopped), its threads and the CPU time it has used, so a stall
    /// reads as a stopped, exited or waiting process rather than as silence.
    /// </summary>
    public string Condition
    {
        get
        {
            try
            {
                if (_process.HasExited)
                {
                    return $"pid {_pid} exited with {_process.ExitCode}";
                }
            }
            catch (InvalidOperationException)
            {
                return $"pid {_pid}: ended and disposed";
            }

            try
            {
                var stat = ProcStat.Of(_pid);
                return $"pid {_pid} state {stat.State}, {stat.Field(20)} threads, CPU {(stat.Number(14) + stat.Number(15)) * 10} ms";
            }
            catch (IOException ex)
            {
                return $"pid {_pid}: {ex.Message}";
            }
        }
    }

    public string StandardOutput
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts `postfleet` with the given arguments.</summary>
    public static ChildProcess StartPostfleet(IEnumerable<string> arguments, string? workingDirectory = null, string? logPath = null, IDictionary<string, string>? environment = null) =>
        Start(RepoPaths.PostfleetExecutable, arguments, workingDirectory, logPath, environment);

    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, string? logPath = null, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, logPath);
        process.OutputDataReceived += (_, e) => child.Append(child._stdout, e.Data, "out");
        process.ErrorDataReceived += (_, e) => child.Append(child._stderr, e.Data, "err");
        process.Start();
        child._pid = process.Id;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void Append(StringBuilder buffer, string? line, string stream)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            buffer.AppendLine(line);
            _log?.WriteLine($"[{stream}] {line}");
        }
    }

    public Task WaitForOutputAsync(string fragment, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => StandardOutput.Contains(fragment, StringComparison.Ordinal) || StandardError.Contains(fragment, StringComparison.Ordinal), () => $"output containing '{fragment}'; got:\n{StandardOutput}\n{StandardError}", timeout);

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Eventually.DefaultTimeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"process {Id} did not exit; stdout:\n{StandardOutput}\nstderr:\n{StandardError}");
        }

        return _process.ExitCode;
    }

    /// <summary>Sends a POSIX signal (SIGTERM = 15, SIGKILL = 9, SIGINT = 2).</summary>
    public void Signal(int signal)
    {
        if (!_process.HasExited)
        {
            _ = Posix.Kill(_process.Id, signal);
        }
    }

    /// <summary>
    /// Asks the process to end (SIGTERM) and waits up to <paramref name="grace"/> for it; what is still running then
    /// is killed when this is disposed.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        Signal(Posix.SigTerm);
        try
        {
            await WaitForExitAsync(grace);
        }
        catch (TimeoutException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        if (_log is not null)
        {
            await _log.DisposeAsync();
        }
    }
}
