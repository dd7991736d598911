using Microsoft.Extensions.Hosting;

namespace PostFleet.Simulator.Common;

/// <summary>No console lifetime: the real Rust services have no signal handler, so SIGTERM/SIGINT must kill them at once.</summary>
internal sealed class NoSignalLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
