using Docker.DotNet;
using Docker.DotNet.Models;

namespace PostFleet.Runtime.Docker;

/// <summary>
/// Copies a container's output (post-service logs to stderr) into its log file. Each copy starts from the first
/// line and rewrites the file, so a copy after an adoption or a final fetch at removal always leaves the whole log.
/// </summary>
internal static class ContainerLogs
{
    public static async Task CopyAsync(IDockerClient client, string containerId, string logPath, bool follow, CancellationToken cancellationToken)
    {
        var parameters = new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Follow = follow, Timestamps = false };
        using var stream = await client.Containers.GetContainerLogsAsync(containerId, tty: false, parameters, cancellationToken);
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        await using var file = new FileStream(logPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
            if (read.EOF)
            {
                break;
            }

            // stdout and stderr go to the one file, in arrival order, like the process runtime's redirect.
            await file.WriteAsync(buffer.AsMemory(0, read.Count), cancellationToken);
            await file.FlushAsync(cancellationToken);
        }
    }
}

/// <summary>Follows one running container's log in the background until the container ends or the runtime is disposed.</summary>
internal sealed class ContainerLogFollower : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    public ContainerLogFollower(IDockerClient client, string containerId, string logPath)
    {
        Completion = Task.Run(async () =>
        {
            try
            {
                await ContainerLogs.CopyAsync(client, containerId, logPath, follow: true, _stop.Token);
                return true;
            }
            catch (Exception)
            {
                // Whatever ends the stream (cancellation, engine gone, disk full): a follower is a convenience, and
                // the final fetch at stop or forget writes the complete log anyway. It must never fault unobserved.
                return false;
            }
        });
    }

    /// <summary>True once the container's stream ended normally (the file then holds the whole log).</summary>
    public Task<bool> Completion { get; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Completion;
        _stop.Dispose();
    }
}
