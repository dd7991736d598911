using PostFleet.Core.Init;
using Spectre.Console;

namespace PostFleet.Init.Console;

/// <summary>
/// For a terminal: one Spectre.Console bar per identity plus a total. Rate and ETA are ours (from file sizes), shown
/// in the description, rather than Spectre's own estimate, so bars and plain lines always agree.
/// </summary>
public sealed class SpectreInitReporter(IAnsiConsole console, ProgressContext context) : IInitReporter
{
    private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);

    public static Progress CreateProgress(IAnsiConsole console) =>
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn());

    public void Info(string message) => console.MarkupLine(Markup.Escape(message));

    public void Warning(string message) => console.MarkupLine("[yellow]warning:[/] " + Markup.Escape(message));

    public void Problem(InitProblem problem) => console.MarkupLine("[red]error:[/] " + Markup.Escape(problem.ToString()));

    public void Progress(InitProgress progress)
    {
        foreach (var identity in progress.Identities)
        {
            var task = Task(identity.Name, identity.BytesTotal);
            task.Value = identity.BytesWritten;
            task.Description = Markup.Escape(identity.State == IdentityInitState.Running
                ? ProgressMath.Line(identity)
                : $"{identity.Name} {identity.State.ToString().ToLowerInvariant()}");
        }

        var total = Task("\0total", progress.BytesTotal);
        total.Value = progress.BytesWritten;
        total.Description = Markup.Escape(ProgressMath.Line(progress));
        context.Refresh();
    }

    private ProgressTask Task(string key, ulong maxValue)
    {
        if (!_tasks.TryGetValue(key, out var task))
        {
            task = context.AddTask(Markup.Escape(key.TrimStart('\0')), autoStart: true, maxValue: Math.Max(1, maxValue));
            _tasks[key] = task;
        }

        return task;
    }
}
