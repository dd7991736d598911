using Microsoft.AspNetCore.Http;

namespace PostFleet.Daemon.Web.Api;

/// <summary>Every 4xx/5xx body: what is wrong and, where it helps, what is allowed.</summary>
public sealed record ApiError(string Error);

/// <summary>Answer to an accepted intent: the loop carries it out on its next pass.</summary>
public sealed record IntentAccepted(string Intent, string? Service, string Note);

public sealed record LogTailView(string Service, string Path, IReadOnlyList<string> Lines);

public sealed record AlertsView(IReadOnlyList<PostFleet.Daemon.Alerts.Alert> Open, IReadOnlyList<PostFleet.Daemon.Alerts.AlertChange> Recent, IReadOnlyList<PostFleet.Daemon.Alerts.WebhookView> Webhooks);

internal static class ApiResults
{
    public static IResult Error(int status, string message) => Results.Json(new ApiError(message), statusCode: status);
}
