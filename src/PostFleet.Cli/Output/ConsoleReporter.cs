using System.Globalization;
using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Daemon.Loop;
using Spectre.Console;

namespace PostFleet.Cli.Output;

/// <summary>
/// Tells a person at a terminal what the fleet is doing, one line per change: the cycle gap opening, each start
/// and stop with its reason, phase changes (k2pow, reading, done), proofs delivered or failed, node reachability.
/// </summary>
internal sealed class ConsoleReporter(IAnsiConsole console) : IPassListener
{
    private readonly Dictionary<string, ServicePhase> _phases = [];
    private uint? _announcedGap;
    private bool? _nodeReachable;

    public void OnPass(PassReport pass)
    {
        var at = pass.Observation.At.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        AnnounceNode(pass, at);
        AnnounceCycleGap(pass, at);
        foreach (var outcome in pass.Outcomes.Where(o => o.Action is not PlannedAction.ForgetRun))
        {
            var reason = pass.Plan.Decisions.FirstOrDefault(d => d.ServiceName == outcome.Service)?.Reason ?? "";
            var verb = outcome.Action is PlannedAction.StartService ? "[green]start[/]" : "[yellow]stop [/]";
            Line(at, $"{verb} {Markup.Escape(outcome.Service),-12} {Markup.Escape(outcome.Detail)}[grey]{(reason.Length > 0 ? " — " + Markup.Escape(reason) : "")}[/]");
        }

        AnnouncePhases(pass, at);
        AnnounceEvents(pass, at);
    }

    private void AnnounceNode(PassReport pass, string at)
    {
        if (_nodeReachable == pass.Observation.NodeReachable)
        {
            return;
        }

        _nodeReachable = pass.Observation.NodeReachable;
        Line(at, pass.Observation.NodeReachable
            ? $"[green]node reachable[/]: {pass.Observation.Identities.Count} identities"
            : $"[red]node unreachable[/]: {Markup.Escape(pass.Observation.NodeError ?? "")} — nothing is stopped while it is away");
    }

    private void AnnounceCycleGap(PassReport pass, string at)
    {
        if (pass.Timeline is not { } timeline)
        {
            return;
        }

        var gap = timeline.CurrentOrNextCycleGap(pass.Observation.At);
        if (_announcedGap == gap.PublishEpoch)
        {
            return;
        }

        _announcedGap = gap.PublishEpoch;
        var local = (DateTimeOffset t) => t.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        console.WriteLine();
        console.MarkupLine($"[bold]── publish epoch {gap.PublishEpoch}[/]: cycle gap {local(gap.Opens)}–{local(gap.Closes)}, next challenge {local(gap.NextChallengeAt)}, proof deadline {local(gap.ProofDeadline)} ──");
        _ = at;
    }

    private void AnnouncePhases(PassReport pass, string at)
    {
        var running = pass.Observation.Runs.Where(r => r.Running).Select(r => r.ServiceName).ToHashSet();
        foreach (var service in pass.Fleet.Services)
        {
            pass.Observation.Statuses.TryGetValue(service.Name, out var status);
            var phase = ServicePhases.Of(status, running.Contains(service.Name));
            if (_phases.TryGetValue(service.Name, out var before) && before == phase)
            {
                continue;
            }

            _phases[service.Name] = phase;
            if (phase is ServicePhase.K2Pow or ServicePhase.Reading or ServicePhase.DoneProving)
            {
                Line(at, $"[blue]{PhaseText(phase),-5}[/] {Markup.Escape(service.Name)}");
            }
        }
    }

    private void AnnounceEvents(PassReport pass, string at)
    {
        if (pass.FirstSeenEvents.Count == 0)
        {
            return;
        }

        var names = pass.Observation.Identities.Values.ToDictionary(i => i.Id, i => i.Name);
        foreach (var e in pass.FirstSeenEvents)
        {
            switch (e)
            {
                case NodeEvent.PostCompleted done when names.TryGetValue(done.Smesher, out var name):
                    Line(at, $"[green]proof[/] {Markup.Escape(name),-12} delivered to the node{(done.ChallengeHex.All(c => c == '0') ? " (initial PoST)" : "")}");
                    break;
                case NodeEvent.PostFailed failed when names.TryGetValue(failed.Smesher, out var name):
                    // The event's help text is a constant ("Node failed PoST execution."): the why is the planner's.
                    Line(at, $"[red]FAIL [/] {Markup.Escape(name),-12} proof failed at the node; {Markup.Escape(pass.Plan.Decisions.FirstOrDefault(d => d.ServiceName == name)?.Reason ?? "see the node's log")}");
                    break;
            }
        }
    }

    private static string PhaseText(ServicePhase phase) => phase switch
    {
        ServicePhase.K2Pow => "k2pow",
        ServicePhase.Reading => "read",
        ServicePhase.DoneProving => "done",
        _ => phase.ToString(),
    };

    private void Line(string at, string markup) => console.MarkupLine($"[grey]{at}[/] {markup}");
}
