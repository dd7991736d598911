namespace PostFleet.Simulator.Common;

/// <summary>Whether a PID is alive, read from /proc (Linux). A zombie counts as dead, as sysinfo reports it.</summary>
public static class ProcessLiveness
{
    public enum State
    {
        Alive,
        Missing,
        Zombie,
    }

    public static State Of(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The state letter follows the command name, which is in parentheses and may itself hold spaces.
            var afterName = stat[(stat.LastIndexOf(')') + 1)..].TrimStart();
            return afterName.StartsWith('Z') || afterName.StartsWith('X') ? State.Zombie : State.Alive;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return State.Missing;
        }
    }

    public static bool IsAlive(int pid) => Of(pid) == State.Alive;

    /// <summary>
    /// Looks every second (post-service's `--watch-pid` interval) and returns how <paramref name="pid"/> ended:
    /// <see cref="State.Missing"/> or <see cref="State.Zombie"/>.
    /// </summary>
    public static async Task<State> GoneAsync(int pid, TimeProvider time, CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            if (Of(pid) is not State.Alive and var gone)
            {
                return gone;
            }
        }
    }
}
