using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PostFleet.Simulator.Node;

/// <summary>Runs every registered identity's ATX loop concurrently, like the node's ATX builder.</summary>
public sealed class AtxBuilderHost(
    SimNode node,
    ProofRequester prover,
    PostStateTable states,
    NodeStateStore store,
    NodeSync sync,
    NodeEvents events,
    EventFactory eventFactory,
    SimRecord record,
    TimeProvider time,
    ILoggerFactory loggers) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = node.ProvingIdentities.Select(identity =>
        {
            var builder = new AtxBuilder(identity, node.Timeline, node.Ids, prover, states, store, sync, events, eventFactory, record, time, loggers.CreateLogger("AtxBuilder"));
            return RunAsync(builder, stoppingToken);
        });
        return Task.WhenAll([.. loops, RunSyncAsync(stoppingToken)]);
    }

    private async Task RunSyncAsync(CancellationToken stoppingToken)
    {
        try
        {
            await sync.RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static async Task RunAsync(AtxBuilder builder, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Yield();
            await builder.RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
