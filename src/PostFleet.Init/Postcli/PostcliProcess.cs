using System.Diagnostics;
using PostFleet.Core.Init;

namespace PostFleet.Init.Postcli;

/// <summary>
/// Runs one postcli to its end. Both streams go to a log file; stderr is also scanned for the initialization-error
/// line, because postcli exits 0 after one. On cancellation it sends SIGINT, the one signal postcli handles (it
/// flushes the current file and exits 1), and kills it only if it has not ended after <paramref name="interruptGrace"/>.
/// </summary>
public sealed class PostcliProcess(TimeProvider time, TimeSpan interruptGrace)
{
    private const int TailLines = 20;

    public async Task<PostcliRunResult> RunAsync(string executable, IReadOnlyList<string> arguments, string logPath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        await using var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var gate = new Lock();
        var tail = new Queue<string>();
        string? errorLine = null;

        void Record(string stream, string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (gate)
            {
                log.WriteLine($"[{stream}] {line}");
                if (stream == "err")
                {
                    tail.Enqueue(line);
                    if (tail.Count > TailLines)
                    {
                        tail.Dequeue();
                    }

                    if (line.Contains(CompletionRules.InitializationErrorMarker, StringComparison.Ordinal))
                    {
                        errorLine ??= line;
                    }
                }
            }
        }

        lock (gate)
        {
            log.WriteLine($"[postfleet] {time.GetUtcNow():O} {PostcliArguments.ToShellLine(executable, arguments)}");
        }

        using var process = new Process { StartInfo = StartInfo(executable, arguments), EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Record("out", e.Data);
        process.ErrorDataReceived += (_, e) => Record("err", e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var interrupted = false;
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            interrupted = true;
            await InterruptAsync(process);
        }

        // WaitForExitAsync also waits for both streams to reach EOF, so every line has been recorded.
        await process.WaitForExitAsync(CancellationToken.None);
        lock (gate)
        {
            log.WriteLine($"[postfleet] {time.GetUtcNow():O} exit {process.ExitCode}{(interrupted ? " (interrupted)" : "")}");
            return new PostcliRunResult(process.ExitCode, errorLine, interrupted, [.. tail], logPath);
        }
    }

    private async Task InterruptAsync(Process process)
    {
        try
        {
            _ = NativeMethods.Kill(process.Id, NativeMethods.SigInt);

            // A fresh token: the caller's is already cancelled, and the grace must still be honoured.
            using var grace = new CancellationTokenSource(interruptGrace, time);
            await process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It ended between the timeout and the kill.
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static ProcessStartInfo StartInfo(string executable, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }
}
