namespace PostFleet.Core.Model;

/// <summary>
/// Reads a post-service's log tail (post-rs <c>service/src/client.rs</c>, env_logger on stderr) for the one thing
/// the node and the operator API cannot tell us: why a service that runs never registers. Only lines the real
/// service writes count. A successful connect logs nothing; every registration starts with the node's
/// MetadataRequest, logged as <c>obtained metadata: …</c>, so that line (or any proof line) is the evidence that the
/// service got through. A failure stands only while new failure lines keep coming: the service logs one per
/// attempt, every reconnect interval, so a failure line older than that (plus <see cref="Margin"/>) means the
/// service has stopped failing, whatever it did since.
/// </summary>
public static class ServiceLogDiagnosis
{
    /// <summary>
    /// Slack on top of the expected gap between two failure lines: stamps have whole seconds, the daemon reads the
    /// log once per pass, and a connect attempt itself takes time before it fails.
    /// </summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(10);

    private const string ConnectFailed = "could not connect to the node: ";
    private const string Disconnected = "disconnected: ";
    private const string Registered = "obtained metadata: ";

    /// <summary>Lines the client writes only while it is registered and serving the node's requests.</summary>
    private static readonly string[] Serving = [Registered, "proof generation finished", "verifying proof", "proof is valid", "failed proof verification", "failed to generate proof"];

    /// <summary>
    /// Lines oldest first, as in the file. Null when the newest evidence says the service got through, or when
    /// its last failure is too old to stand (see the type's remarks).
    /// </summary>
    public static ServiceProblem? Diagnose(IReadOnlyList<string> lines, DateTimeOffset now, TimeSpan reconnectInterval)
    {
        var entries = ServiceLogEntry.Parse(lines);
        for (var i = entries.Count - 1; i >= 0; i--)
        {
            var entry = entries[i];
            if (entry.IsExit)
            {
                return ServiceLogProblems.Exit(entry.FirstLine, entry.ExitReason);
            }

            if (Serving.Any(s => entry.Text.StartsWith(s, StringComparison.Ordinal)))
            {
                return null;
            }

            var problem = Failure(entry);
            if (problem is not null)
            {
                var streak = Streak(entries, i, problem.Kind);
                return Fresh(streak, now, reconnectInterval) ? problem with { Repeats = streak.Count } : null;
            }

            if (entry.Text.StartsWith(Disconnected, StringComparison.Ordinal))
            {
                // Any other end of the stream: the service reconnects by itself, and the next lines tell how that went.
                return null;
            }
        }

        return null;
    }

    /// <summary>A failed connect, a refused registration, or a client certificate the node refused after the handshake.</summary>
    private static ServiceProblem? Failure(ServiceLogEntry entry)
    {
        if (entry.Text.StartsWith(ConnectFailed, StringComparison.Ordinal))
        {
            return ServiceLogProblems.CannotConnect(entry.FirstLine, entry.Text[ConnectFailed.Length..]);
        }

        if (entry.Text.StartsWith(Disconnected + "Err(", StringComparison.Ordinal))
        {
            var reason = entry.Text[(Disconnected.Length + 4)..].TrimEnd(')');
            return ServiceLogProblems.RegisterRefusal(entry.FirstLine, reason)
                ?? (ServiceLogProblems.IsCertificateRefusal(reason) ? ServiceLogProblems.CannotConnect(entry.FirstLine, reason) : null);
        }

        return null;
    }

    /// <summary>
    /// The same kind of failure back from <paramref name="last"/>, newest first, up to the last line that shows the
    /// service serving. A refused registration follows an <c>obtained metadata</c> line each time (the node asks
    /// for the metadata before it refuses), so for it those lines do not end the streak.
    /// </summary>
    private static List<ServiceLogEntry> Streak(IReadOnlyList<ServiceLogEntry> entries, int last, ServiceProblemKind kind)
    {
        var streak = new List<ServiceLogEntry>();
        for (var i = last; i >= 0; i--)
        {
            var entry = entries[i];
            if (Failure(entry) is { } failure)
            {
                if (failure.Kind != kind)
                {
                    break;
                }

                streak.Add(entry);
            }
            else if (kind == ServiceProblemKind.RegisterRefused && entry.Text.StartsWith(Registered, StringComparison.Ordinal))
            {
                continue;
            }
            else if (Serving.Any(s => entry.Text.StartsWith(s, StringComparison.Ordinal)) || entry.Text.StartsWith(Disconnected, StringComparison.Ordinal))
            {
                break;
            }
        }

        return streak;
    }

    /// <summary>
    /// The newest failure is recent enough that the next attempt has not yet had its chance: within the gap the
    /// service keeps between attempts (its reconnect interval, or the gap it actually kept, e.g. when each connect
    /// runs into a TCP timeout first) plus the margin. A record with no readable stamp cannot be aged, so it stands.
    /// </summary>
    private static bool Fresh(List<ServiceLogEntry> streak, DateTimeOffset now, TimeSpan reconnectInterval)
    {
        if (streak[0].At is not { } newest)
        {
            return true;
        }

        var gap = reconnectInterval;
        if (streak.Count > 1 && streak[1].At is { } previous && newest - previous > gap)
        {
            gap = newest - previous;
        }

        return now - newest <= gap + Margin;
    }
}
