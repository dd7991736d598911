using System.Runtime.InteropServices;

namespace PostFleet.Cli;

/// <summary>Turns Ctrl-C and SIGTERM into a cancellation token so every verb can shut down cleanly.</summary>
internal sealed class ConsoleShutdown : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public ConsoleShutdown()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _source.Token;

    private void OnSignal(PosixSignalContext context)
    {
        // Keep the process alive; the verb decides how to wind down.
        context.Cancel = true;
        _source.Cancel();
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _source.Dispose();
    }
}
