using System.CommandLine;
using Microsoft.Extensions.Logging;
using PostFleet.Cli.Commands;
using PostFleet.Cli.Output;
using PostFleet.Core.Configuration;
using PostFleet.Core.Init;
using PostFleet.Daemon;
using PostFleet.Daemon.Loop;
using PostFleet.Daemon.Web;
using PostFleet.Init;
using PostFleet.Init.Console;
using PostFleet.Simulator.Fleet;
using PostFleet.Spacemesh.Node;
using Spectre.Console;

namespace PostFleet.Cli.Demo;

/// <summary>
/// `postfleet demo`: the official 1:N guide, end to end, on one machine without any binary to download: a simulated
/// standalone node, init of the demo's ten identities on five disks, the node restart the guide asks for, then the
/// orchestrator proving every epoch. Time runs compressed so an epoch takes under a minute.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "Where to lay out the demo (default: a new folder under /tmp, removed at the end)" };
        var scale = new Option<double>("--time-scale") { Description = "How much faster than the guide's network time runs (20: a 15-minute epoch takes 45 s)", DefaultValueFactory = _ => 20 };
        var epochs = new Option<int>("--epochs") { Description = "Stop after this many publish epochs in which every identity delivered (0: run until Ctrl-C)", DefaultValueFactory = _ => 0 };
        var keep = new Option<bool>("--keep") { Description = "Keep the demo folder at the end" };
        var identities = new Option<int?>("--identities") { Description = "Generate a fleet of this many identities instead of the official demo's ten (with --disks, --hosts)" };
        var disks = new Option<int?>("--disks") { Description = "Disks of the generated fleet (default: one per five identities)" };
        var hosts = new Option<int?>("--hosts") { Description = "Simulated machines the generated fleet's disks are spread over (default: 1)" };
        var maxRunning = new Option<int>("--max-running") { Description = "The generated fleet's schedule.max-running: post-services running at once", DefaultValueFactory = _ => 100 };
        var nodes = new Option<int>("--nodes") { Description = "Simulated nodes (2: two nodes on PoET phases half an epoch apart, the demo's identities dealt out to them, sharing the disks and a pool of two simulated k2pow workers)", DefaultValueFactory = _ => 1 };
        var web = new WebOptionsParser();
        var command = new Command("demo", "Run the 1:N demo on a simulated standalone network: node, init of 10 identities on 5 disks, and the orchestrator.")
        {
            dir, scale, epochs, keep, identities, disks, hosts, maxRunning, nodes,
        };
        web.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var timeScale = parseResult.GetValue(scale);
            if (timeScale is <= 0 or > 1000)
            {
                Console.Error.WriteLine($"--time-scale {timeScale}: must be above 0 and at most 1000");
                return 2;
            }

            var shape = ShapeOf(parseResult.GetValue(identities), parseResult.GetValue(disks), parseResult.GetValue(hosts));
            if (shape?.Problem() is { } problem)
            {
                Console.Error.WriteLine(problem);
                return 2;
            }

            if (parseResult.GetValue(maxRunning) < 1)
            {
                Console.Error.WriteLine($"--max-running {parseResult.GetValue(maxRunning)}: must be at least 1");
                return 2;
            }

            var nodeCount = parseResult.GetValue(nodes);
            if (nodeCount is < 1 or > MaxNodes || (nodeCount > 1 && shape is not null))
            {
                Console.Error.WriteLine(nodeCount is < 1 or > MaxNodes
                    ? $"--nodes {nodeCount}: must be 1 to {MaxNodes}"
                    : $"--nodes {nodeCount}: runs the official demo's identities on several nodes; leave out --identities, --disks and --hosts");
                return 2;
            }

            var given = parseResult.GetValue(dir);
            var root = given?.FullName ?? Directory.CreateTempSubdirectory("postfleet-demo-").FullName;
            try
            {
                var layout = shape is null ? null : new GeneratedLayout(shape, parseResult.GetValue(maxRunning));
                return await RunAsync(root, timeScale, parseResult.GetValue(epochs), layout, nodeCount, web.Read(parseResult), cancellationToken);
            }
            finally
            {
                if (given is null && !parseResult.GetValue(keep))
                {
                    TryDelete(root);
                }
                else
                {
                    AnsiConsole.MarkupLine($"demo folder kept: [blue]{Markup.Escape(root)}[/]");
                }
            }
        });
        return command;
    }

    private const int MaxNodes = 4;

    /// <summary>A generated fleet's size and cap; null for the official demo's ten identities.</summary>
    private sealed record GeneratedLayout(FleetShape Shape, int MaxRunning);

    /// <summary>No flag: the official demo; any of them: a generated fleet, the others defaulted from it.</summary>
    private static FleetShape? ShapeOf(int? identities, int? disks, int? hosts)
    {
        if (identities is null && disks is null && hosts is null)
        {
            return null;
        }

        var count = identities ?? 10;
        var diskCount = disks ?? Math.Max(1, (count + 4) / 5);
        return new FleetShape(count, diskCount, hosts ?? 1);
    }

    private static async Task<int> RunAsync(string root, double timeScale, int epochs, GeneratedLayout? generated, int nodeCount, WebOptions? web, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var executable = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell where the postfleet executable is");
        var workspace = generated is null
            ? DemoWorkspace.Create(root, timeScale, executable, nodeCount)
            : DemoWorkspace.CreateGenerated(root, timeScale, executable, generated.Shape, generated.MaxRunning);
        var fleet = ConfigOption.Load(new FileInfo(workspace.FleetConfig));
        if (fleet is null)
        {
            return 1;
        }

        var console = ConsoleWidth.ForLogLines(AnsiConsole.Console);
        var size = $"{fleet.Services.Count()} identities on {fleet.Disks.Length} disks";
        var epoch = TimeSpan.FromMinutes(15) / timeScale;
        console.MarkupLine($"[bold]PostFleet demo[/] in [blue]{Markup.Escape(root)}[/]: {size}, time x{timeScale} (an epoch takes {epoch:m\\:ss})");
        console.WriteLine(NativePostService.Describe(workspace.Options.NativePostService));
        var genesis = time.GetUtcNow();

        // Several nodes: node i's genesis is i/N of an epoch earlier, so their PoET phases (and cycle gaps) are apart.
        var demoNodes = fleet.Nodes.Select((n, i) => new DemoNode(
            n,
            fleet.HasSeveralNodes ? n.Name : null,
            genesis - (epoch * i / fleet.Nodes.Length),
            Path.Combine(root, "node", fleet.HasSeveralNodes ? n.Name + ".log" : "node.log"))).ToList();

        // Guide step 1: start the node. With no identity yet it creates local.key (supervised mode).
        var running = demoNodes.Select(n => SimNodeProcess.Start(executable, workspace.NodeArguments(n.Genesis, n.SimName), n.Log)).ToList();
        var clients = demoNodes.Select(n => new NodeGrpcClient(n.Spec, timeProvider: time)).ToList();
        try
        {
            for (var i = 0; i < demoNodes.Count; i++)
            {
                await WaitForNodeAsync(clients[i], running[i], demoNodes[i].Log, names: [], time, cancellationToken);
                console.MarkupLine(Named(fleet, demoNodes[i].Spec) + "started (post listener [blue]" + Markup.Escape(demoNodes[i].Spec.PostListener.ToString()) + "[/])");
            }

            // Guide steps 2-5, per node (its key folder, its highest ATX): init every identity, copy its key, move local.key aside.
            for (var i = 0; i < demoNodes.Count; i++)
            {
                var part = fleet.HasSeveralNodes ? fleet.ForNode(demoNodes[i].Spec) : fleet;
                var init = new InitRunner(new InitDependencies(clients[i], time));

                // A generated fleet inits several identities at once (each on its own disk, one writer per disk as always).
                var request = new InitRequest(part) { RemoveLocalKey = true, MaxParallel = generated is null ? InitCaps.Default.Global : 16 };
                var initExit = await InitConsole.RunAsync(init, request, Console.Out, Console.Error, interactive: false, cancellationToken);
                if (initExit != 0)
                {
                    console.MarkupLine("[red]init failed[/]; see above");
                    return initExit;
                }
            }

            // Guide step 6: restart the node, which loads keys only at start.
            console.MarkupLine(fleet.HasSeveralNodes ? "restarting the nodes so they load the new identities (a node reads keys only at start)" : "restarting the node so it loads the new identities (it reads keys only at start)");
            for (var i = 0; i < demoNodes.Count; i++)
            {
                await running[i].StopAsync(TimeSpan.FromSeconds(10), time);
                await running[i].DisposeAsync();
                running[i] = SimNodeProcess.Start(executable, workspace.NodeArguments(demoNodes[i].Genesis, demoNodes[i].SimName), demoNodes[i].Log);
                var names = fleet.ServicesOf(demoNodes[i].Spec).Select(s => s.Name).ToList();
                await WaitForNodeAsync(clients[i], running[i], demoNodes[i].Log, names, time, cancellationToken);
                console.MarkupLine(fleet.HasSeveralNodes
                    ? $"{Named(fleet, demoNodes[i].Spec)}carries all {names.Count} identities"
                    : $"node carries all {names.Count} identities; the orchestrator takes over (Ctrl-C to stop)");
            }

            if (fleet.HasSeveralNodes)
            {
                console.MarkupLine("the orchestrator takes over (Ctrl-C to stop)");
            }

            return await OrchestrateAsync(fleet, epochs, web, console, time, cancellationToken);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            foreach (var node in running)
            {
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>One simulated node of the demo: its spec, its name for the simulated layout (null: the only one), genesis and log.</summary>
    private sealed record DemoNode(NodeSpec Spec, string? SimName, DateTimeOffset Genesis, string Log);

    private static string Named(FleetSpec fleet, NodeSpec node) => fleet.HasSeveralNodes ? $"node [blue]{Markup.Escape(node.Name)}[/] " : "node ";

    private static async Task<int> OrchestrateAsync(FleetSpec fleet, int epochs, WebOptions? web, IAnsiConsole console, TimeProvider time, CancellationToken cancellationToken)
    {
        var progress = new DemoProgress(console, fleet.Services.Count(), epochs);
        using var loggers = ConsoleLogging.Create();
        await using var daemon = await StartDaemonAsync(fleet, [new ConsoleReporter(console), progress], loggers, time, web, console, cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _ = progress.Done.ContinueWith(_ => stop.Cancel(), TaskScheduler.Default);
        await daemon.RunAsync(stop.Token);
        console.MarkupLine($"demo finished: {progress.CompleteEpochs.Count} epoch(s) with every proof delivered");
        return epochs > 0 && progress.CompleteEpochs.Count < epochs ? 1 : 0;
    }

    /// <summary>The demo serves its dashboard on the default port, or on any free one when that is taken.</summary>
    private static async Task<FleetDaemon> StartDaemonAsync(FleetSpec fleet, IReadOnlyList<IPassListener> listeners, ILoggerFactory loggers, TimeProvider time, WebOptions? web, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var daemon = new FleetDaemon(fleet, DaemonAdapters.Connect(fleet, time, loggers), listeners, loggers, web);
        try
        {
            await daemon.StartWebAsync(cancellationToken);
        }
        catch (IOException) when (web is not null)
        {
            await daemon.DisposeAsync();
            daemon = new FleetDaemon(fleet, DaemonAdapters.Connect(fleet, time, loggers), listeners, loggers, web with { Listen = "http://127.0.0.1:0" });
            await daemon.StartWebAsync(cancellationToken);
        }

        if (daemon.WebUrl is { } url)
        {
            console.MarkupLine($"dashboard: [blue]{Markup.Escape(url.ToString())}[/] (live proving DAG, timeline, history, actions)");
        }

        return daemon;
    }

    private static async Task WaitForNodeAsync(NodeGrpcClient client, SimNodeProcess node, string nodeLog, IReadOnlyList<string> names, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(60);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (node.HasExited)
            {
                throw new InvalidOperationException($"the simulated node exited; its log: {nodeLog}\n{TailOf(nodeLog)}");
            }

            try
            {
                var states = await client.GetPostStatesAsync(cancellationToken);
                if (names.All(n => states.Any(s => s.Name == n)))
                {
                    return;
                }
            }
            catch (NodeUnavailableException) when (time.GetUtcNow() < deadline)
            {
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new TimeoutException($"the simulated node did not carry {string.Join(", ", names)} within 60 s; its log: {nodeLog}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken);
        }
    }

    private static string TailOf(string path) =>
        File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(15)) : "(no log)";

    private static void TryDelete(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
