using System.Text.Json;
using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.PostService;

/// <summary>
/// <c>postfleet sim post-service</c>: the post-rs post-service, startup order and exit codes as in fact sheet 1.1.
/// Deliberately installs no signal handler: like the real one it dies at once on SIGTERM/SIGINT.
/// </summary>
public static class SimPostServiceProgram
{
    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken) =>
        RunAsync(args, TimeProvider.System, cancellationToken);

    public static async Task<int> RunAsync(string[] args, TimeProvider time, CancellationToken cancellationToken)
    {
        PostServiceOptions options;
        try
        {
            var (outcome, parsed) = PostServiceCommandLine.Parse(args);
            switch (outcome)
            {
                case PostServiceCommandLine.Outcome.Help:
                    Console.Out.WriteLine(PostServiceCommandLine.Help());
                    return 0;
                case PostServiceCommandLine.Outcome.Version:
                    Console.Out.WriteLine(PostServiceCommandLine.Version);
                    return 0;
                default:
                    options = parsed!;
                    break;
            }
        }
        catch (ClapUsageException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        var log = new ServiceLog(Console.Error, time);
        try
        {
            var context = Start(options, log, time);
            return await ServeAsync(context, cancellationToken);
        }
        catch (StartupException ex)
        {
            Console.Error.WriteLine($"Error: {ex.Message}");
            return 1;
        }
    }

    private static ServiceContext Start(PostServiceOptions options, ServiceLog log, TimeProvider time)
    {
        if (options.LabelsPerUnitGiven)
        {
            log.Warn("post_service", "--labels-per-unit is deprecated and ignored: labels per unit is read from the POST metadata");
        }

        log.Info("post_service", "POST network parameters: " + NetworkParameters(options));
        log.Info("post_service", "POST proving settings: " + ProvingSettings(options));
        if (options.RemoteK2pow is { } remote)
        {
            log.Info("post_service", "remote k2pow uri: " + remote);
        }

        PostMetadata metadata;
        try
        {
            metadata = PostMetadata.Load(options.Dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or FormatException or InvalidOperationException)
        {
            var cause = ex is FileNotFoundException or DirectoryNotFoundException ? "No such file or directory (os error 2)" : ex.Message;
            throw new StartupException($"creating Post Service\n\nCaused by:\n    0: loading POST metadata\n    1: {cause}");
        }

        if (metadata.NumUnits < options.MinNumUnits || metadata.NumUnits > options.MaxNumUnits)
        {
            throw new StartupException($"number of units in the POST data is out of range: {metadata.NumUnits} not in {options.MinNumUnits}..={options.MaxNumUnits}");
        }

        var endpoint = NodeEndpoint.Create(options, log);
        var places = SimPlaces.For(options.Dir);
        var context = new ServiceContext(options, metadata, places, DiskProfile.Load(places.Disk), HostProfile.Load(places.Host), new HostRecord(places.RecordPath, time), log, time)
        {
            Endpoint = endpoint,
        };
        context.Record("started");
        return context;
    }

    private static async Task<int> ServeAsync(ServiceContext context, CancellationToken cancellationToken)
    {
        var proving = new ProvingService(context);
        if (context.Options.OperatorAddress is { } operatorAddress)
        {
            await OperatorServer.StartAsync(operatorAddress, proving, context.Log);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var client = new NodeClient(context, context.Endpoint!, proving).RunAsync(stop.Token);
        var watcher = context.Options.WatchPid is { } pid
            ? new PidWatcher(pid, context.Log, context.Time).RunAsync(stop.Token)
            : Task.Delay(Timeout.InfiniteTimeSpan, context.Time, stop.Token);

        var first = await Task.WhenAny(client, watcher);
        await stop.CancelAsync();
        if (first == watcher && watcher.IsCompletedSuccessfully)
        {
            context.Log.Info("post_service", "PID watcher exited: Ok(())");
            context.Record("exit", new Dictionary<string, object?> { ["reason"] = "watched PID is gone", ["exitCode"] = 0 });
            return 0;
        }

        var message = client.IsCompletedSuccessfully ? client.Result : (client.Exception?.InnerException?.Message ?? "client stopped");
        context.Record("exit", new Dictionary<string, object?> { ["reason"] = message, ["exitCode"] = 1 });
        Console.Error.WriteLine($"Error: {message}");
        return 1;
    }

    private static string NetworkParameters(PostServiceOptions o) =>
        $"{{\"min_num_units\":{o.MinNumUnits},\"max_num_units\":{o.MaxNumUnits},\"k1\":{o.K1},\"k2\":{o.K2},\"pow_difficulty\":\"{Convert.ToHexString(o.PowDifficulty)}\",\"scrypt\":{{\"n\":{o.ScryptN},\"r\":{o.ScryptR},\"p\":{o.ScryptP}}}}}";

    private static string ProvingSettings(PostServiceOptions o)
    {
        var cores = o.PinnedCores is { } pinned
            ? $"{{\"threads\":null,\"pinned_cores\":[{string.Join(",", pinned)}]}}"
            : $"{{\"threads\":{o.Threads ?? 1},\"pinned_cores\":null}}";
        return $"{{\"cores\":{cores},\"nonces\":{o.Nonces},\"randomx_mode\":\"{o.RandomxMode}\"}}";
    }
}
