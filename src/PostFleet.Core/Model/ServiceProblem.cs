namespace PostFleet.Core.Model;

/// <summary>
/// Why a running post-service is not doing its job, read from its own log: what it said (<see cref="LogLine"/>),
/// what that means (<see cref="Summary"/>) and what to change (<see cref="Hint"/>).
/// </summary>
/// <see cref="Repeats"/> counts the same failure in a row at the end of the log (a single refused connect while
/// the node starts is normal; the same one three times is not).
public sealed record ServiceProblem(ServiceProblemKind Kind, string Summary, string Hint, string LogLine)
{
    public int Repeats { get; init; } = 1;
}

public enum ServiceProblemKind
{
    /// <summary>Connect attempts fail (TLS handshake, refused, unreachable); the service retries on its own.</summary>
    CannotConnect,

    /// <summary>Connected, but the node refused the registration; the service reconnects forever without ever proving.</summary>
    RegisterRefused,

    /// <summary>The process ended with <c>Error: …</c>.</summary>
    Exited,
}
