using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace PostFleet.Runtime.Process;

/// <summary>
/// The run records in <c>STATE/runs/</c>, one file per service. Writes are atomic (temporary file, rename), so a
/// daemon crash leaves either the old record or the new one, never half of one (<see cref="Save"/>: no fsync).
/// Thread safety: safe for concurrent use; each call is a single file operation (All reads each changed file once).
/// </summary>
internal sealed class RunRecordStore(string stateDirectory, ILogger logger)
{
    private const string Extension = ".json";

    private readonly ConcurrentDictionary<string, ((DateTime WrittenAt, long Length) Stamp, RunRecord? Record)> _parsed = new(StringComparer.Ordinal);

    public string Directory { get; } = Path.Combine(stateDirectory, "runs");

    public void Save(RunRecord record)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathOf(record.Service);
        var temporary = Path.Combine(Directory, $".{record.Service}{Extension}.{Guid.NewGuid():N}.tmp");
        using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        {
            JsonSerializer.Serialize(file, record, RunRecordJson.Default.RunRecord);
        }

        // Whole or absent after a daemon crash (the rename); not flushed to the disk, on purpose: a record only ever
        // finds a live process, and none outlives the power loss an fsync would guard against (the boot id changes,
        // so a torn record after one is stale anyway). An fsync here, on a disk busy with proofs, held each start,
        // and with it the pass, for hundreds of milliseconds.
        File.Move(temporary, path, overwrite: true);
    }

    public RunRecord? Find(string service) => Load(PathOf(service));

    /// <summary>
    /// Every record, read again only when its file changed (its write time or length): the loop lists the runs every
    /// pass, and at 1,000 identities reading and parsing a hundred unchanged files a pass was several milliseconds.
    /// A record is only ever replaced whole (a rename), so a changed file always has a new write time.
    /// </summary>
    public IReadOnlyList<RunRecord> All()
    {
        var directory = new DirectoryInfo(Directory);
        if (!directory.Exists)
        {
            _parsed.Clear();
            return [];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var records = new List<RunRecord>();
        foreach (var file in directory.EnumerateFiles("*" + Extension).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            seen.Add(file.FullName);
            var stamp = (file.LastWriteTimeUtc, file.Length);
            if (!_parsed.TryGetValue(file.FullName, out var cached) || cached.Stamp != stamp)
            {
                cached = (stamp, Load(file.FullName));
                _parsed[file.FullName] = cached;
            }

            if (cached.Record is { } record)
            {
                records.Add(record);
            }
        }

        foreach (var gone in _parsed.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _parsed.TryRemove(gone, out _);
        }

        return records;
    }

    public void Delete(string service) => File.Delete(PathOf(service));

    private RunRecord? Load(string path)
    {
        RunRecord? record;
        try
        {
            using var file = File.OpenRead(path);
            record = JsonSerializer.Deserialize(file, RunRecordJson.Default.RunRecord);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // A record we cannot read names no process we could safely adopt or signal; leave it for a human.
            logger.LogWarning("ignoring unreadable run record {Path}: {Problem}", path, ex.Message);
            return null;
        }

        if (Problem(record, Path.GetFileNameWithoutExtension(path)) is { } problem)
        {
            logger.LogWarning("ignoring run record {Path}: {Problem}; it is not adopted as any service's run", path, problem);
            return null;
        }

        return record;
    }

    /// <summary>
    /// What makes a record that parsed still unusable (found by RunRecordFuzzTests): JSON null where the record needs a
    /// value, a record filed under another service's name (it would be adopted as that service's run), or a newer format.
    /// </summary>
    private static string? Problem(RunRecord? record, string fileService) => record switch
    {
        null => "it is empty (null)",
        { Service: null or "" } => "it names no service",
        _ when record.Service != fileService => $"it is filed as {fileService} but names service '{record.Service}'",
        { Executable: null } or { Arguments: null } or { LogPath: null } => "it lacks the executable, arguments or log path",
        _ when record.Arguments.Any(a => a is null) => "an argument is null",
        { Pid: <= 0 } => $"pid {record.Pid} is not a process",
        { Version: > RunRecord.FormatVersion } => $"it has format {record.Version}, newer than this postfleet's {RunRecord.FormatVersion}",
        _ => null,
    };

    private string PathOf(string service)
    {
        // Service names are key file names; refuse anything that would escape the runs folder.
        if (service.Length == 0 || service is "." or ".." || service.IndexOfAny(['/', '\0']) >= 0)
        {
            throw new ArgumentException($"'{service}' cannot name a run record file", nameof(service));
        }

        return Path.Combine(Directory, service + Extension);
    }
}
