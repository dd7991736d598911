namespace PostFleet.Doctor;

public enum Severity
{
    Ok,
    Warn,
    Error,
}

/// <summary>
/// One result of one check: what was looked at (<see cref="Subject"/>), what was found and, unless all is well,
/// what to do about it.
/// </summary>
public sealed record Finding(string Check, Severity Severity, string Subject, string Message, string? Fix = null)
{
    public static Finding Ok(string check, string subject, string message) => new(check, Severity.Ok, subject, message);

    public static Finding Warn(string check, string subject, string message, string fix) => new(check, Severity.Warn, subject, message, fix);

    public static Finding Error(string check, string subject, string message, string fix) => new(check, Severity.Error, subject, message, fix);
}

/// <summary>All findings of one doctor run; the exit code is 1 as soon as one of them is an error.</summary>
public sealed record DoctorReport(IReadOnlyList<Finding> Findings)
{
    public int Errors => Findings.Count(f => f.Severity == Severity.Error);

    public int Warnings => Findings.Count(f => f.Severity == Severity.Warn);

    public int ExitCode => Errors > 0 ? 1 : 0;
}
