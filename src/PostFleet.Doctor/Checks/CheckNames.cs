namespace PostFleet.Doctor.Checks;

/// <summary>The check column of the report (stable: scripts and the JSON output use them).</summary>
public static class CheckNames
{
    public const string Listener = "listener";
    public const string Smeshing = "smeshing";
    public const string Identities = "identities";
    public const string Binaries = "binaries";
    public const string OperatorPorts = "operator-port";
    public const string Addresses = "addresses";
    public const string Probe = "probe";
    public const string DataDirs = "data";
    public const string FreeSpace = "free-space";
    public const string Clock = "clock";
}
