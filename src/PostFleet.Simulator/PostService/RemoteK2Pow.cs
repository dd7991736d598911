using System.Globalization;
using System.Net;
using System.Numerics;

namespace PostFleet.Simulator.PostService;

/// <summary>
/// <c>--remote-k2pow URL</c>: every nonce group of a pass is asked of a k2pow-service as post-rs'
/// <c>K2powService::prove_many</c> (src/pow/service.rs) does: <c>GET {URL}/job/{miner}/{group}/{challenge[0..8]}/{difficulty}</c>
/// in lower-case hex, at most <c>--remote-k2pow-parallelism</c> at once; 201 and 429 sleep <c>--remote-k2pow-backoff</c>
/// and ask again, a connection error backs off and retries forever, 200 carries the nonce in decimal, 500 or any
/// other status fails the pass, and the proof with it: <c>Prover8_56::new</c> unwraps the result, so the proving
/// thread panics (<see cref="ProvingPanicException"/>).
/// </summary>
public sealed class RemoteK2Pow(ServiceContext context, string baseUrl)
{
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    private TimeSpan Backoff => TimeSpan.FromSeconds(context.Options.RemoteK2powBackoffSeconds);

    /// <summary>The k2pow of groups [<paramref name="firstGroup"/>, <paramref name="endGroup"/>), all asked in parallel up to the parallelism.</summary>
    public async Task ProveAsync(uint firstGroup, uint endGroup, byte[] challenge, CancellationToken cancellationToken)
    {
        var miner = context.NodeIdHex;
        var challengeHex = Convert.ToHexStringLower(challenge, 0, 8);
        var difficulty = ScaledDifficulty(context.Options.PowDifficulty, context.Metadata.NumUnits);
        // A zero parallelism would block forever on the semaphore, as tokio's Semaphore::new(0) does.
        using var permits = new SemaphoreSlim((int)Math.Min(int.MaxValue, context.Options.RemoteK2powParallelism));
        var tasks = new List<Task<string?>>();
        for (var group = firstGroup; group < endGroup; group++)
        {
            var uri = $"{baseUrl}/job/{miner}/{group.ToString(CultureInfo.InvariantCulture)}/{challengeHex}/{difficulty}";
            tasks.Add(AskAsync(uri, permits, cancellationToken));
        }

        // join_all waits for every group before the results are collected; the first error in group order wins.
        var errors = await Task.WhenAll(tasks).ConfigureAwait(false);
        if (errors.FirstOrDefault(e => e is not null) is { } error)
        {
            throw new ProvingPanicException($"called `Result::unwrap()` on an `Err` value: Internal({error})");
        }
    }

    /// <summary>Null when the group's nonce arrived; else the error that fails the proof.</summary>
    private async Task<string?> AskAsync(string uri, SemaphoreSlim permits, CancellationToken cancellationToken)
    {
        await permits.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                HttpStatusCode status;
                string text;
                try
                {
                    using var response = await Http.GetAsync(uri, cancellationToken).ConfigureAwait(false);
                    status = response.StatusCode;
                    text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException ex)
                {
                    context.Log.Warn("post::pow::service", $"get job error: {ex.Message}. backing off before retry");
                    await Task.Delay(Backoff, context.Time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                switch (status)
                {
                    case HttpStatusCode.OK:
                        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? null : $"\"invalid digit found in string: {text}\"";
                    case HttpStatusCode.InternalServerError:
                        return $"\"{text}\"";
                    case HttpStatusCode.Created or HttpStatusCode.TooManyRequests:
                        await Task.Delay(Backoff, context.Time, cancellationToken).ConfigureAwait(false);
                        continue;
                    default:
                        return "\"unknown status code returned\"";
                }
            }
        }
        finally
        {
            permits.Release();
        }
    }

    /// <summary>The network's difficulty divided by the units, big-endian 256-bit (post-rs <c>ProvingParams::new</c>).</summary>
    public static string ScaledDifficulty(byte[] powDifficulty, uint numUnits)
    {
        var scaled = new BigInteger(powDifficulty, isUnsigned: true, isBigEndian: true) / Math.Max(1u, numUnits);
        var bytes = scaled.ToByteArray(isUnsigned: true, isBigEndian: true);
        var padded = new byte[32];
        bytes.CopyTo(padded, 32 - bytes.Length);
        return Convert.ToHexStringLower(padded);
    }
}
