using System.Runtime.InteropServices;
using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.Postcli;

/// <summary>
/// <c>postfleet sim postcli</c>: spacemeshos/post's postcli v0.12.6 — Go flags, validation flow, files and exit
/// codes of fact sheet section 5, including exit 0 after a (non-interrupt) initialization error.
/// Only SIGINT is handled (flush, exit 1); SIGTERM keeps the runtime default and kills the process.
/// </summary>
public static class SimPostcliProgram
{
    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken) =>
        RunAsync(args, Console.In, Console.Out, Console.Error, TimeProvider.System, cancellationToken);

    public static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, TimeProvider time, CancellationToken cancellationToken)
    {
        var flags = PostcliOptions.Define();
        var output = new CliOutput(stdout, stderr, time);
        if (flags.Parse(args) is { } error)
        {
            if (error != "help")
            {
                stderr.WriteLine(error);
            }

            stderr.Write(flags.Usage());
            return error == "help" ? 0 : 2;
        }

        try
        {
            if (PrintModes.Run(flags, output, stdout) is { } printed)
            {
                return printed;
            }

            var plan = new InitValidation(flags, output, new Confirmation(flags.Bool("yes"), stdin, output)).Run();
            return plan is null ? 0 : await InitializeAsync(plan, output, time, cancellationToken);
        }
        catch (GoExit exit)
        {
            exit.Report(output, stderr);
            return exit.ExitCode;
        }
    }

    private static async Task<int> InitializeAsync(InitPlan plan, CliOutput output, TimeProvider time, CancellationToken cancellationToken)
    {
        var places = SimPlaces.For(plan.DataDir);
        var record = new HostRecord(places.RecordPath, time);
        var nodeId = Convert.ToHexStringLower(plan.NodeId);
        void Record(string @event, string? reason = null) => TryRecord(record, @event, nodeId, places, reason);

        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            interrupt.Cancel();
        });

        Record("init-start");
        try
        {
            await new Initializer(plan, output, places, DiskProfile.Load(places.Disk)).RunAsync(interrupt.Token);
        }
        catch (OperationCanceledException)
        {
            Record("init-error", "interrupted");
            throw GoExit.Fatal("cli: initialization interrupted");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The real postcli prints the error and returns normally: exit code 0.
            Record("init-error", ex.Message);
            output.Log($"cli: initialization error {ex.Message}");
            return 0;
        }

        Record("init-end");
        output.Log("cli: initialization completed");
        return 0;
    }

    private static void TryRecord(HostRecord record, string @event, string nodeId, SimPlaces places, string? reason)
    {
        try
        {
            record.Append(@event, nodeId, places.DataDir, places.Disk, reason is null ? null : new Dictionary<string, object?> { ["reason"] = reason });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Tooling only: a read-only host folder must not break initialization.
        }
    }
}
