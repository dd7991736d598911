using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace PostFleet.Runtime.Process;

/// <summary>
/// The run records in <c>STATE/runs/</c>, one file per service. Writes are atomic (temporary file, flush to disk,
/// rename), so a crash leaves either the old record or the new one, never half of one.
/// Thread safety: safe for concurrent use; each call is a single file operation.
/// </summary>
internal sealed class RunRecordStore(string stateDirectory, ILogger logger)
{
    private const string Extension = ".json";

    public string Directory { get; } = Path.Combine(stateDirectory, "runs");

    public void Save(RunRecord record)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathOf(record.Service);
        var temporary = Path.Combine(Directory, $".{record.Service}{Extension}.{Guid.NewGuid():N}.tmp");
        using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        {
            JsonSerializer.Serialize(file, record, RunRecordJson.Default.RunRecord);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public RunRecord? Find(string service) => Load(PathOf(service));

    public IReadOnlyList<RunRecord> All()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        return [.. System.IO.Directory.EnumerateFiles(Directory, "*" + Extension)
            .Order(StringComparer.Ordinal)
            .Select(Load)
            .OfType<RunRecord>()];
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
