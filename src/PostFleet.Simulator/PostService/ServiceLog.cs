using System.Globalization;

namespace PostFleet.Simulator.PostService;

/// <summary>env_logger's default line on stderr: <c>[2025-05-20T12:00:00Z INFO  post_service::client] msg</c>.</summary>
public sealed class ServiceLog(TextWriter output, TimeProvider time)
{
    private readonly Lock _gate = new();

    public void Info(string target, string message) => Write("INFO", target, message);

    public void Warn(string target, string message) => Write("WARN", target, message);

    public void Error(string target, string message) => Write("ERROR", target, message);

    private void Write(string level, string target, string message)
    {
        var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        lock (_gate)
        {
            output.WriteLine($"[{stamp} {level,-5} {target}] {message}");
            output.Flush();
        }
    }
}
