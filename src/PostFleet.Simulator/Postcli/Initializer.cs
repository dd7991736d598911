using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.Postcli;

/// <summary>
/// Writes the data (fact sheet 5.1 steps 6–8 and 5.4): metadata first, then files in order, each resumed from its
/// size, growing in visible batches at the simulated disk's write rate; the best VRF nonce is recorded as found.
/// </summary>
public sealed class Initializer(InitPlan plan, CliOutput output, SimPlaces places, DiskProfile disk)
{
    private const ulong MaxBatchBytes = 16 << 20;

    private ulong? _nonce;
    private byte[]? _nonceValue;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!plan.Provider.Equals(PostcliOptions.GpuProvider) && plan.Provider != PostcliOptions.CpuProvider)
        {
            throw new IOException($"failed to create initializer: invalid provider id {plan.Provider}");
        }

        PrivateFiles.CreateDirectory(plan.DataDir);
        output.Info("initialization started", ("datadir", plan.DataDir), ("numUnits", plan.NumUnits), ("maxFileSize", plan.MaxFileSize), ("labelsPerUnit", plan.LabelsPerUnit));
        output.Info("initialization file layout", ("labelsPerFile", plan.LabelsPerFile), ("labelsLastFile", plan.LabelsInFile(plan.FileCount - 1)), ("firstFileIndex", plan.FirstFileIndex), ("lastFileIndex", plan.LastFileIndex));

        // A nonce found earlier stays valid as long as it still points into the data.
        if (plan.Existing is { Nonce: { } nonce, NonceValue: { } value } && nonce < plan.NumLabels && plan.Existing.CommitmentAtxId.AsSpan().SequenceEqual(plan.CommitmentAtxId))
        {
            (_nonce, _nonceValue) = (nonce, value);
        }

        // Metadata goes first, before any label exists: metadata present does not mean init complete.
        plan.Metadata(_nonce, _nonceValue, null).Save(plan.DataDir);
        if (plan.FullInit)
        {
            DeleteSurplusFiles();
        }

        using var labels = new Labels(plan.NodeId, plan.CommitmentAtxId);
        var step = BatchBytes();
        for (var index = plan.FirstFileIndex; index <= plan.LastFileIndex; index++)
        {
            await WriteFileAsync(index, labels, step, cancellationToken);
        }

        if (_nonce is not null)
        {
            output.Info("initialization: completed, found nonce", ("nonce", _nonce.Value), ("value", Convert.ToHexStringLower(_nonceValue!)));
            return;
        }

        if (!plan.FullInit)
        {
            output.Info("initialization: no nonce found while computing labels");
            return;
        }

        output.Info("initialization: no nonce found while computing labels, continue initializing");
        SearchPastTheEnd(labels);
    }

    private async Task WriteFileAsync(int index, Labels labels, ulong step, CancellationToken cancellationToken)
    {
        var path = Path.Combine(plan.DataDir, DataLayout.FileName(index));
        var target = plan.LabelsInFile(index);
        var size = File.Exists(path) ? (ulong)new FileInfo(path).Length : 0;
        var current = Math.Min(size / DataLayout.LabelSize, target);
        var message = current == 0 ? "initialization: starting to write file"
            : current == target ? "initialization: file already initialized"
            : "initialization: continuing to write file";
        var firstLabel = (ulong)index * plan.LabelsPerFile;
        output.Info(message, ("fileIndex", index), ("currentNumLabels", current), ("targetNumLabels", target), ("startPosition", firstLabel + current));

        using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        // Resume from whole labels; a torn label at the end (or a shrunk layout) is cut off.
        file.SetLength((long)(current * DataLayout.LabelSize));
        if (current == target)
        {
            return;
        }

        file.Seek(0, SeekOrigin.End);
        var buffer = new byte[step];
        var pacer = new SharedThroughput(new LeaseFolder(places.WriterLeases, output.Time), weights => disk.ShareOf(disk.WriteBytesPerSecond, weights.Count), output.Time);
        var remainingBytes = (long)((target - current) * DataLayout.LabelSize);
        var written = 0UL;
        try
        {
            await pacer.RunAsync(remainingBytes, (long)step, 1, async (offset, length) =>
            {
                var first = firstLabel + current + ((ulong)offset / DataLayout.LabelSize);
                var batch = buffer.AsMemory(0, (int)length);
                labels.Compute(first, batch.Span);
                await file.WriteAsync(batch, CancellationToken.None);
                await file.FlushAsync(CancellationToken.None);
                written += (ulong)length / DataLayout.LabelSize;
                ConsiderNonces(index, first, batch.Span);
                return true;
            }, cancellationToken);
        }
        finally
        {
            // On SIGINT the current batch is already written and flushed: nothing half-done remains.
            await file.FlushAsync(CancellationToken.None);
        }

        output.Info("initialization: completed", ("fileIndex", index), ("numLabelsWritten", written));
    }

    /// <summary>
    /// The VRF nonce is the index of the smallest label below 8·2^64/numLabels (on the first 8 bytes, big-endian):
    /// about 8 candidates in the whole data. A better one rewrites the metadata atomically.
    /// </summary>
    private void ConsiderNonces(int fileIndex, ulong firstIndex, ReadOnlySpan<byte> batch)
    {
        var threshold = NonceThreshold();
        for (var offset = 0; offset < batch.Length; offset += DataLayout.LabelSize)
        {
            var label = batch.Slice(offset, DataLayout.LabelSize);
            if (System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(label) >= threshold)
            {
                continue;
            }

            if (_nonceValue is not null && label.SequenceCompareTo(_nonceValue) >= 0)
            {
                continue;
            }

            _nonce = firstIndex + (ulong)(offset / DataLayout.LabelSize);
            _nonceValue = label.ToArray();
            output.Info("initialization: found new best nonce", ("fileIndex", fileIndex), ("nonce", _nonce.Value), ("value", Convert.ToHexStringLower(_nonceValue)));
            plan.Metadata(_nonce, _nonceValue, null).Save(plan.DataDir);
        }
    }

    /// <summary>Like postcli, keep computing labels past the data (without writing them) until a nonce turns up.</summary>
    private void SearchPastTheEnd(Labels labels)
    {
        var buffer = new byte[64 * 1024];
        for (var position = plan.NumLabels; _nonce is null; position += (ulong)(buffer.Length / DataLayout.LabelSize))
        {
            labels.Compute(position, buffer);
            ConsiderNonces(plan.LastFileIndex, position, buffer);
            if (_nonce is not null)
            {
                plan.Metadata(_nonce, _nonceValue, position + (ulong)(buffer.Length / DataLayout.LabelSize)).Save(plan.DataDir);
            }
        }
    }

    private ulong NonceThreshold() => plan.NumLabels <= 8 ? ulong.MaxValue : (ulong)(8.0 * Math.Pow(2, 64) / plan.NumLabels);

    /// <summary>Real postcli grows files in 16 MiB batches; tiny simulated data uses ~1/50 of it so growth is visible.</summary>
    private ulong BatchBytes()
    {
        var total = plan.NumLabels * DataLayout.LabelSize;
        return Math.Clamp(total / 50 / DataLayout.LabelSize * DataLayout.LabelSize, DataLayout.LabelSize, MaxBatchBytes);
    }

    private void DeleteSurplusFiles()
    {
        foreach (var (index, path) in DataLayout.ExistingFiles(plan.DataDir))
        {
            if (index > plan.LastFileIndex)
            {
                File.Delete(path);
            }
        }
    }
}
