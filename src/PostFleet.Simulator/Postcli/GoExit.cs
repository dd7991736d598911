namespace PostFleet.Simulator.Postcli;

/// <summary>
/// Go's ways out: <c>log.Fatal</c> (exit 1) and <c>log.Panic</c> (exit 2 with a goroutine trace). Thrown from
/// deep in the flow and turned into the exit code at the top.
/// </summary>
public sealed class GoExit(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static GoExit Fatal(string message) => new(1, message);

    public static GoExit Panic(string message) => new(2, message);

    /// <summary>Writes what Go writes for this exit; the trace imitates a panic in postcli's main.</summary>
    public void Report(CliOutput output, TextWriter stderr)
    {
        output.Log(Message);
        if (ExitCode != 2)
        {
            return;
        }

        stderr.WriteLine($"panic: {Message}");
        stderr.WriteLine();
        stderr.WriteLine("goroutine 1 [running]:");
        stderr.WriteLine("log.Panic({0xc0001a5d10?, 0x1?, 0x1?})");
        stderr.WriteLine("\t/usr/local/go/src/log/log.go:432 +0x65");
        stderr.WriteLine("main.main()");
        stderr.WriteLine("\t/build/cmd/postcli/main.go:236 +0x8f4");
        stderr.Flush();
    }
}
