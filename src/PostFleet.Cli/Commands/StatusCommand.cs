using System.CommandLine;
using System.Globalization;
using PostFleet.Core.Configuration;
using PostFleet.Daemon.View;
using PostFleet.Daemon.Web;
using PostFleet.Daemon.Web.Client;
using Spectre.Console;

namespace PostFleet.Cli.Commands;

/// <summary>`postfleet status`: the running daemon's fleet as a table, and the network timeline, from its API.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        // System.CommandLine has no Uri converter of its own, and the daemon's address is written as --listen takes it.
        var api = new Option<Uri>("--api")
        {
            Description = "The daemon's API address: HOST:PORT or http://HOST:PORT",
            DefaultValueFactory = _ => new Uri(WebOptions.DefaultListen),
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                if (Endpoints.TryParseWebListen(text, out var listen, out var problem))
                {
                    return new Uri(listen);
                }

                result.AddError($"--api {problem}");
                return null;
            },
        };
        var command = new Command("status", "Show the fleet (identity, disk, node state, phase, progress, last delivered epoch) and the cycle gap, from a running `postfleet run`.") { api };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var url = parseResult.GetValue(api)!;
            FleetView fleet;
            try
            {
                fleet = await DaemonApiClient.For(url).GetFleetAsync(cancellationToken);
            }
            catch (DaemonApiException ex)
            {
                Console.Error.WriteLine($"--api {url}: {ex.Message} (is `postfleet run` running, and listening there?)");
                return 1;
            }

            Render(fleet, AnsiConsole.Console);
            return 0;
        });
        return command;
    }

    internal static void Render(FleetView fleet, IAnsiConsole console)
    {
        var local = (DateTimeOffset t) => t.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        console.MarkupLine(fleet.Node.Reachable
            ? $"node [green]reachable[/] at {Markup.Escape(fleet.Node.PostListener)}, {fleet.Node.Identities} identities"
            : $"node [red]unreachable[/]: {Markup.Escape(fleet.Node.Error ?? "")}");
        if (fleet.Network is { } network)
        {
            var gap = network.CycleGap;
            console.MarkupLine($"epoch {network.CurrentEpoch}, layer {network.CurrentLayer}; cycle gap for publish epoch {gap.PublishEpoch} {(gap.IsOpen ? "[green]open[/]" : "opens")} {local(gap.Opens)}–{local(gap.Closes)}, proof deadline {local(gap.ProofDeadline)}");
            if (network.ProofsDue is { GapClosed: true } due && due.PublishEpoch != gap.PublishEpoch)
            {
                console.MarkupLine($"[yellow]proofs for publish epoch {due.PublishEpoch} still due[/] by {local(due.ProofDeadline)}: its cycle gap closed, the node takes them until then");
            }
        }

        if (fleet.Paused)
        {
            console.MarkupLine("[yellow]fleet paused[/]: nothing is started until it is resumed");
        }

        if (fleet.History is { Writable: false } history)
        {
            console.MarkupLine($"[yellow]history not written[/] since {local(history.FaultSince ?? fleet.At)}: {Markup.Escape(history.Fault ?? "")}; proving goes on, {history.RowsPending} rows wait in memory");
        }

        var table = new Table().AddColumns("identity", "disk", "node", "phase", "progress", "last delivered", "why");
        foreach (var service in fleet.Services)
        {
            table.AddRow(
                Markup.Escape(service.Name),
                Markup.Escape(service.Disk),
                service.NodeState ?? "?",
                service.DagState,
                service.DagState == "reading" ? $"{service.ReadFraction:P0} (nonces {service.NonceStart}..{service.NonceEnd})" : "",
                service.LastDeliveredEpoch?.ToString(CultureInfo.InvariantCulture) ?? "-",
                Markup.Escape(service.DecisionMessage ?? ""));
        }

        console.Write(table);
        var summary = fleet.Summary;
        console.MarkupLine($"{summary.Services} services: {summary.Proving} PROVING, {summary.Running} running ({summary.K2Pow} k2pow, {summary.Reading} reading), {summary.Delivered} delivered, {summary.Failed} failed");
    }
}
