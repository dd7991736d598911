namespace PostFleet.Daemon.Web.Api;

/// <summary>The per-service intents the API accepts, and what each costs (shown by the dashboard before it acts).</summary>
public static class ServiceIntents
{
    public const string ProveNow = "prove-now";
    public const string Stop = "stop";
    public const string ForceStop = "force-stop";
    public const string Retry = "retry";
    public const string SkipEpoch = "skip-epoch";

    public static readonly IReadOnlyList<string> All = [ProveNow, Stop, ForceStop, Retry, SkipEpoch];

    public static bool IsKnown(string intent) => All.Contains(intent, StringComparer.Ordinal);
}
