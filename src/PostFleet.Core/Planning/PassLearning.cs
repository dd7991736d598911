using PostFleet.Core.Model;

namespace PostFleet.Core.Planning;

/// <summary>
/// Learns k2pow time and read rate per pass from the /status sequence of one run. A pass is named by its nonces;
/// a new range at position 0 means the pass before it found no proof after reading all the data, and its k2pow
/// (a re-entry) starts about then. Timing reads pass by pass keeps a failed pass's k2pow out of the read rate.
/// </summary>
internal static class PassLearning
{
    /// <summary>
    /// Folds one /status of a live run already known to <paramref name="m"/>; <paramref name="readers"/> is how many
    /// services read its disk at this look (this one included; 0 = not known).
    /// </summary>
    public static ServiceMemory FoldStatus(ServiceStatus? status, ServiceMemory m, ulong dataBytes, DateTimeOffset now, int readers = 0)
    {
        // Delivered, and the pass it was read in already learned from (FoldDelivery): an answer still proving was
        // read before the proof was handed over (a run's /status is not read at every pass while it reads).
        if (status is not ServiceStatus.Proving proving || (m.Delivered && m.PassRead is null))
        {
            return m;
        }

        var mark = m.PassRead;
        if (proving.InK2Pow)
        {
            if (mark is not { } read)
            {
                return m;
            }

            if (read.NonceStart == proving.NonceStart)
            {
                return m with { PassRead = null }; // the position went back in the same pass: nothing to learn from it
            }

            // Seen reading, now k2pow of a later pass: the read ended between the last look and now, with all the data.
            var fullRead = dataBytes > read.Position ? Rate(dataBytes - read.Position, now - read.At) : null;
            return m with { LastReadRate = fullRead ?? m.LastReadRate, PassRead = null, PassK2Pow = new PassK2PowMark(proving.NonceStart, now) };
        }

        if (mark is { } same && same.NonceStart == proving.NonceStart && same.Position <= proving.Position)
        {
            if (same.LastPosition == proving.Position)
            {
                return same.LastReaders == readers ? m : m with { PassRead = same with { LastReaders = readers } };
            }

            // The stretch since the last look was read with the same readers throughout if both looks agree.
            var sharing = readers > 0 && same.LastReaders == readers && now > same.LastAt && proving.Position > same.LastPosition
                ? m.Sharing.Add(readers, proving.Position - same.LastPosition, (now - same.LastAt).TotalSeconds)
                : m.Sharing;
            return m with { PassRead = same with { LastPosition = proving.Position, LastAt = now, LastReaders = readers }, Sharing = sharing };
        }

        if (mark is { } missed && missed.NonceStart != proving.NonceStart)
        {
            // The k2pow between the passes was never seen: only what was seen of the old pass reading is known.
            m = m with { LastReadRate = missed.SeenRate ?? m.LastReadRate };
        }

        if (m.PassK2Pow is { } k2pow)
        {
            m = k2pow.NonceStart == proving.NonceStart && now > k2pow.Since
                ? m with { LastK2Pow = now - k2pow.Since, PassK2Pow = null }
                : m with { PassK2Pow = null };
        }

        return m with { PassRead = new PassReadMark(proving.NonceStart, proving.Position, now) { LastReaders = readers } };
    }

    /// <summary>
    /// A run's first pass, for a run started in this round (an adopted run's start is not ours to time): its first
    /// /status answer ends the start-up and begins k2pow (post-service answers nothing while it builds the RandomX
    /// dataset: service.rs holds the state lock through it), and its first sight reading ends that k2pow. Timing the
    /// k2pow from the start instead counted the start-up as k2pow (large-2000: 192 s learned where a pipelined k2pow
    /// took about 140 s), which a re-entry does not have and which does not scale with units. A k2pow never seen
    /// (shorter than a look) is the time from the start less the start-up learned before, if any.
    /// </summary>
    public static ServiceMemory FoldFirstPass(ServiceStatus? status, ServiceMemory m, RuntimeInstance run, DateTimeOffset now)
    {
        if (status is not ServiceStatus.Proving { NonceStart: 0 } proving || m.ReadStartedAt is not null || m.Delivered
            || m.ProvingSince is not { } since || run.StartedAt < since)
        {
            return m;
        }

        if (proving.InK2Pow)
        {
            return m.K2PowSeenAt is null ? m with { K2PowSeenAt = now, LastStartup = now - run.StartedAt } : m;
        }

        var k2powFrom = m.K2PowSeenAt ?? run.StartedAt + (m.LastStartup ?? TimeSpan.Zero);
        return m with { ReadStartedAt = now, LastK2Pow = now > k2powFrom ? now - k2powFrom : m.LastK2Pow };
    }

    /// <summary>
    /// Delivery ends the pass being read. A pass that finds a proof may stop before the end of the data, so what it
    /// read is the last position seen, over the time it was seen reading; a pass never seen moving teaches nothing.
    /// </summary>
    public static ServiceMemory FoldDelivery(ServiceMemory before, ServiceMemory m)
    {
        if (before.Delivered || !m.Delivered)
        {
            return m;
        }

        return m with { LastReadRate = m.PassRead?.SeenRate ?? m.LastReadRate, PassRead = null, PassK2Pow = null, ReadStartedAt = null };
    }

    private static double? Rate(ulong bytes, TimeSpan elapsed) => elapsed > TimeSpan.Zero ? bytes / elapsed.TotalSeconds : null;
}
