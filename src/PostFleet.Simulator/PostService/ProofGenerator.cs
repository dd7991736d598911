using PostFleet.Simulator.Common;
using Spacemesh.V1;

namespace PostFleet.Simulator.PostService;

/// <summary>
/// The proving thread: passes of N nonces, each a k2pow (shared host cores) then a real scan of the data (shared
/// disk bandwidth), until a pass succeeds with the probability of fact sheet 4.2.
/// </summary>
public sealed class ProofGenerator(ServiceContext context, byte[] challenge, ProvingProgress progress)
{
    private const ulong MaxReadStep = 1 << 20;

    private readonly Random _random = context.NewRandom();

    private PostServiceOptions Options => context.Options;

    private PostMetadata Meta => context.Metadata;

    private string ChallengeHex => Convert.ToHexStringLower(challenge);

    public async Task<Proof> RunAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (Meta.NumLabels <= Options.K1)
        {
            throw new ProvingFailedException($"number of labels ({Meta.NumLabels}) must be bigger than k1 ({Options.K1})");
        }

        var passChance = context.Host.PassSuccessProbability ?? PassSuccess.PerPass(Options.K1, Options.K2, Options.Nonces);
        var started = context.Time.GetTimestamp();
        for (ulong pass = 0; ; pass++)
        {
            var start = pass * (ulong)Options.Nonces;
            var end = start + (ulong)Options.Nonces;
            if (end > 4096)
            {
                throw new ProvingFailedException($"nonce group out of bounds: {(end / 16) - 1} (too many nonces in total)");
            }

            progress.Set(new ProvingStatus(start, end, 0));
            await K2powAsync(pass, start, end, cancellationToken);

            var succeeds = _random.NextDouble() < passChance;
            var total = Meta.TotalBytes;
            var successAt = succeeds ? (ulong)(total * (0.75 + (0.25 * _random.NextDouble()))) : ulong.MaxValue;
            var found = await ScanAsync(pass, start, end, successAt, cancellationToken);
            if (found)
            {
                var (proof, indices) = BuildProof(start);
                context.Log.Info("post::prove", $"found proof for nonce: {proof.Nonce}, pow: {proof.Pow} with [{string.Join(", ", indices)}] indices. It took {Elapsed(context.Time.GetElapsedTime(started))}");
                context.Record("proof-found", new Dictionary<string, object?> { ["pass"] = pass, ["challenge"] = ChallengeHex, ["nonce"] = proof.Nonce });
                return proof;
            }
        }
    }

    private async Task K2powAsync(ulong pass, ulong start, ulong end, CancellationToken cancellationToken)
    {
        var threads = Math.Max(1, Options.EffectiveThreads(context.Host.Cores));
        var groups = (long)(end - start) / 16;
        // Work in core-milliseconds so the shared pacer can hand it out in whole groups.
        var perGroup = Math.Max(1, (long)Math.Round(Meta.NumUnits * context.Host.K2powSecondsPerUnitPerNonceGroup * 1000));
        var leases = new LeaseFolder(context.Places.K2powLeases, context.Time);
        var pacer = new SharedThroughput(leases, weights => context.Host.CoresFor(threads, weights.Sum()) * 1000, context.Time);
        var clock = context.Time.GetTimestamp();
        context.Log.Info("post::prove", $"calculating proof of work for nonces {start}..{end}");
        context.Record("k2pow-start", new Dictionary<string, object?> { ["pass"] = pass, ["challenge"] = ChallengeHex });
        try
        {
            if (Options.RemoteK2pow is { } url)
            {
                await new RemoteK2Pow(context, url).ProveAsync((uint)(start / 16), (uint)(end / 16), challenge, cancellationToken);
            }
            else
            {
                await pacer.RunAsync(groups * perGroup, perGroup, threads, (_, _) => ValueTask.FromResult(true), cancellationToken);
            }
        }
        finally
        {
            context.Record("k2pow-end", new Dictionary<string, object?> { ["pass"] = pass, ["challenge"] = ChallengeHex });
        }

        context.Log.Info("post::prove", $"finished k2pow in {Elapsed(context.Time.GetElapsedTime(clock))}");
    }

    /// <summary>Returns true when the pass found a proof (the scan stops right there, as the real one does).</summary>
    private async Task<bool> ScanAsync(ulong pass, ulong start, ulong end, ulong successAt, CancellationToken cancellationToken)
    {
        var total = Meta.TotalBytes;
        // Real post-rs reports 1 MiB batches; tiny test data would then jump from 0 to done, so use ~1/50 of it.
        var step = Math.Clamp(total / 50 / DataLayout.LabelSize * DataLayout.LabelSize, DataLayout.LabelSize, MaxReadStep);
        var leases = new LeaseFolder(context.Places.ReaderLeases, context.Time);
        var pacer = new SharedThroughput(leases, weights => context.Disk.ShareOf(context.Disk.ReadBytesPerSecond, weights.Count), context.Time);
        var clock = context.Time.GetTimestamp();
        var found = false;
        ulong position = 0;
        context.Log.Info("post::prove", "started reading POST data");
        context.Record("read-start", new Dictionary<string, object?> { ["pass"] = pass, ["challenge"] = ChallengeHex });
        try
        {
            using var reader = new PostDataReader(context.Places.DataDir, Meta.MaxFileSize, path => context.Log.Info("post::reader", $"Reading file: {path}"));
            await pacer.RunAsync((long)total, (long)step, 1, (offset, length) =>
            {
                reader.Read((ulong)offset, (ulong)length);
                position = (ulong)(offset + length);
                progress.Set(new ProvingStatus(start, end, position));
                found = position >= successAt;
                return ValueTask.FromResult(!found);
            }, cancellationToken);
        }
        finally
        {
            context.Record("read-end", new Dictionary<string, object?> { ["pass"] = pass, ["challenge"] = ChallengeHex, ["bytesRead"] = position });
        }

        context.Log.Info("post::prove", $"finished reading POST data in {Elapsed(context.Time.GetElapsedTime(clock))}");
        return found;
    }

    /// <summary>The proof and its indices unpacked: post-rs logs the index list (Rust's Debug of a Vec).</summary>
    private (Proof Proof, IReadOnlyList<ulong> Indices) BuildProof(ulong passStart)
    {
        var numLabels = Meta.NumLabels;
        var indices = new SortedSet<ulong>();
        while (indices.Count < Options.K2 && (ulong)indices.Count < numLabels)
        {
            indices.Add((ulong)_random.NextInt64(0, (long)Math.Min(numLabels, long.MaxValue)));
        }

        var proof = new Proof
        {
            Nonce = (uint)(passStart + (ulong)_random.Next(Options.Nonces)),
            Indices = Google.Protobuf.ByteString.CopyFrom(ProofIndices.Pack([.. indices], ProofIndices.BitsFor(numLabels))),
            Pow = (ulong)_random.NextInt64(long.MinValue, long.MaxValue),
        };
        return (proof, [.. indices]);
    }

    internal static string Elapsed(TimeSpan elapsed) => $"{(int)elapsed.TotalMinutes}m {elapsed.Seconds}s";
}
