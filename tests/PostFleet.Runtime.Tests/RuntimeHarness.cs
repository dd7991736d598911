using System.Text.Json;
using System.Text.Json.Nodes;
using PostFleet.Core.Model;
using PostFleet.Runtime.Process;
using PostFleet.Testing;

namespace PostFleet.Runtime.Tests;

/// <summary>A state folder, launches of small shell programs, and cleanup of every PID a test started.</summary>
internal sealed class RuntimeHarness : IDisposable
{
    private readonly TempDirectory _folder = new("pf-runtime");
    private readonly List<int> _pids = [];

    public string StateDirectory => _folder.Combine("state");

    public string LogDirectory => _folder.Combine("logs");

    public ProcessRuntime NewRuntime(TimeProvider? time = null) => new(StateDirectory, time ?? TimeProvider.System);

    public ServiceLaunch Launch(string service, string executable, params string[] arguments) =>
        new(service, executable, arguments, _folder.Combine("data", service), LogDirectory);

    /// <summary>A shell script as the "post-service"; the shell stays the process (no exec), so its argv is stable.</summary>
    public ServiceLaunch Script(string service, string script) => Launch(service, "/bin/sh", "-c", script);

    public void Track(RuntimeInstance instance) => _pids.Add(Pid(instance));

    /// <summary>
    /// Waits until the run's pid is <paramref name="program"/> itself: a start does not wait for the launcher's exec,
    /// and until then the pid's argv is the launcher's (or, for a moment inside each exec, empty, which the runtime
    /// counts as the recorded run).
    /// </summary>
    public static Task ExecedAsync(RuntimeInstance run, string program) =>
        Eventually.UntilAsync(() => ProcessSnapshot.Read(Pid(run))?.CommandLine is [var first, ..] && first == program, $"the launcher to exec {program}");

    public static int Pid(RuntimeInstance instance) => int.Parse(instance.InstanceId.Split('@')[0], System.Globalization.CultureInfo.InvariantCulture);

    public string RecordPath(string service) => Path.Combine(StateDirectory, "runs", service + ".json");

    public JsonObject ReadRecord(string service) => JsonNode.Parse(File.ReadAllText(RecordPath(service)))!.AsObject();

    public void WriteRecord(string service, JsonObject record) => File.WriteAllText(RecordPath(service), record.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>True while /proc shows the PID as a live (not zombie) process.</summary>
    public static bool IsAlive(int pid) => ProcessSnapshot.Read(pid) is { HasEnded: false };

    public void Dispose()
    {
        foreach (var pid in _pids)
        {
            _ = Posix.Kill(pid, Posix.SigKill);
        }

        _folder.Dispose();
    }
}

/// <summary>Real timers, a chosen wall clock: for asserting names built from the time.</summary>
internal sealed class FixedWallClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
