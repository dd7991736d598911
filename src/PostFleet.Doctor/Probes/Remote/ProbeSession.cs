using System.Globalization;
using System.Security.Cryptography;

namespace PostFleet.Doctor.Probes.Remote;

/// <summary>
/// One short-lived probe container or pod: start it, read its log, read its operator addresses from the daemon's
/// side, and remove it. <see cref="RunAsync"/> is the one order of those steps for both runtimes, and removes the
/// probe whatever happens (an error, the timeout, Ctrl-C).
/// </summary>
public abstract class ProbeSession
{
    /// <summary>Marks every probe container or pod, with the fleet id as its value; no probe ever carries io.postfleet.fleet, so no runtime lists (adopts) it.</summary>
    public const string ProbeLabel = "io.postfleet.probe";

    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan s_removal = TimeSpan.FromSeconds(30);

    protected ProbeSession(ProbeSite site, TimeSpan timeout, TimeProvider time)
    {
        Site = site;
        Timeout = timeout;
        Time = time;
        Token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
    }

    protected ProbeSite Site { get; }

    protected TimeSpan Timeout { get; }

    protected TimeProvider Time { get; }

    /// <summary>Unique per probe: names it, and its /status answers with it (so a read that reaches anything else is told apart).</summary>
    protected string Token { get; }

    /// <summary>The probe's command line after the entrypoint (postfleet).</summary>
    protected IReadOnlyList<string> Arguments =>
    [
        "probe",
        .. Site.Nodes.SelectMany(n => new[] { "--node", n.Address }),
        .. Site.Binds.SelectMany(b => new[] { "--serve", b.Bind }),
        "--token", Token,
        "--timeout", ((int)Math.Ceiling(Timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>Creates and starts the probe; throws with a reason a person can read when it cannot.</summary>
    protected abstract Task StartAsync(CancellationToken cancellationToken);

    /// <summary>The probe's whole output so far (empty while it cannot be read yet).</summary>
    protected abstract Task<string> LogAsync(CancellationToken cancellationToken);

    /// <summary>True once the probe has ended (exited, or its pod Succeeded or Failed).</summary>
    protected abstract Task<bool> EndedAsync(CancellationToken cancellationToken);

    /// <summary>GET /status of one bound address as the daemon reads it; the body, or an exception saying why not.</summary>
    protected abstract Task<string> ReadStatusAsync(ProbeBind bind, CancellationToken cancellationToken);

    protected abstract Task RemoveAsync(CancellationToken cancellationToken);

    public async Task<ProbeOutcome> RunAsync(CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(Timeout, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            try
            {
                await StartAsync(linked.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return ProbeOutcome.NotRunBecause(ex is OperationCanceledException ? $"it did not start within {Timeout.TotalSeconds:0} s" : ex.Message);
            }

            var lines = await WaitReadyAsync(linked.Token);
            cancellationToken.ThrowIfCancellationRequested();
            var reads = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (lines is null)
            {
                return new ProbeOutcome(null, ProbeLine.ParseLog(await SafeLogAsync()), reads, $"it did not report its checks within {Timeout.TotalSeconds:0} s");
            }

            if (!lines.Any(l => l.Kind == ProbeLine.Ready))
            {
                var log = await SafeLogAsync();
                return new ProbeOutcome(null, ProbeLine.ParseLog(log), reads, $"it ended without reporting its checks (is the probe image's ENTRYPOINT postfleet?); its output: {Shorten(log)}");
            }

            var bound = lines.Where(l => l is { Kind: ProbeLine.Serve, Ok: true }).Select(l => l.Address).ToHashSet(StringComparer.Ordinal);
            foreach (var (bind, result) in await Task.WhenAll(Site.Binds.Where(b => bound.Contains(b.Bind)).Select(async b => (b.Bind, await ReadUntilAsync(b, linked.Token)))))
            {
                reads[bind] = result;
            }

            // Every address was read (or the reads gave up): the probe ends by itself; its log is then whole.
            await WaitAsync(EndedAsync, linked.Token);
            return new ProbeOutcome(null, ProbeLine.ParseLog(await SafeLogAsync()), reads);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ProbeOutcome(null, ProbeLine.ParseLog(await SafeLogAsync()), new Dictionary<string, string?>(), $"it did not finish within {Timeout.TotalSeconds:0} s");
        }
        finally
        {
            using var removal = new CancellationTokenSource(s_removal, Time);
            try
            {
                await RemoveAsync(removal.Token);
            }
            catch (Exception)
            {
                // Best effort: the probe ends by its own deadline, and doctor's next run removes an expired one.
            }
        }
    }

    /// <summary>The probe's lines once it is serving (or has ended); null when the deadline came first.</summary>
    private async Task<IReadOnlyList<ProbeLine>?> WaitReadyAsync(CancellationToken deadline)
    {
        IReadOnlyList<ProbeLine>? ready = null;
        try
        {
            await WaitReadyOrEndedAsync(lines => ready = lines, deadline);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return null;
        }

        return ready ?? [];
    }

    private async Task WaitReadyOrEndedAsync(Action<IReadOnlyList<ProbeLine>> ready, CancellationToken cancellationToken) =>
        await WaitAsync(
            async token =>
            {
                var lines = ProbeLine.ParseLog(await LogAsync(token));
                if (lines.Any(l => l.Kind == ProbeLine.Ready))
                {
                    ready(lines);
                    return true;
                }

                return await EndedAsync(token);
            },
            cancellationToken);

    /// <summary>The probe answers with its token; anything else (an error, another program's answer) is retried until the deadline.</summary>
    private async Task<string?> ReadUntilAsync(ProbeBind bind, CancellationToken cancellationToken)
    {
        var last = "";
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Min(10, Timeout.TotalSeconds / 2)), Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, patience.Token);
        while (true)
        {
            try
            {
                var body = await ReadStatusAsync(bind, linked.Token);
                if (body.Contains(Token, StringComparison.Ordinal))
                {
                    return null;
                }

                last = $"something else answers there: {Shorten(body)}";
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return last.Length > 0 ? last : "no answer";
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                last = ex.Message;
            }

            try
            {
                await Task.Delay(s_poll, Time, linked.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return last;
            }
        }
    }

    private async Task WaitAsync(Func<CancellationToken, Task<bool>> condition, CancellationToken cancellationToken)
    {
        while (!await condition(cancellationToken))
        {
            await Task.Delay(s_poll, Time, cancellationToken);
        }
    }

    private async Task<string> SafeLogAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10), Time);
        try
        {
            return await LogAsync(timeout.Token);
        }
        catch (Exception)
        {
            return "";
        }
    }

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "…" : text.Trim();
}
