namespace PostFleet.Simulator.Postcli;

/// <summary>The postcli (spacemeshos/post v0.12.6) flags with their defaults (fact sheet section 5).</summary>
public static class PostcliOptions
{
    public const ulong MainnetLabelsPerUnit = 1UL << 32;
    public const ulong MainnetScryptN = 8192;
    public const uint MainnetMinNumUnits = 4;
    public const uint MainnetMaxNumUnits = 1_048_576;
    public const ulong DefaultMaxFileSize = 1UL << 32;

    /// <summary>The OpenCL providers of the simulated machine: 0 is a GPU, 4294967295 the CPU.</summary>
    public const uint GpuProvider = 0;
    public const uint CpuProvider = uint.MaxValue;

    public static GoFlags Define()
    {
        var flags = new GoFlags("postcli");
        var home = Environment.GetEnvironmentVariable("HOME") ?? "";
        flags.Define("printProviders", GoFlags.Kind.Bool, "false", "print the list of compute providers");
        flags.Define("printNumFiles", GoFlags.Kind.Bool, "false", "print the total number of files that would be initialized");
        flags.Define("printConfig", GoFlags.Kind.Bool, "false", "print the used config and options");
        flags.Define("genproof", GoFlags.Kind.Bool, "false", "generate proof as a sanity test, after initialization");
        flags.Define("searchForNonce", GoFlags.Kind.Bool, "false", "search for nonce in the data");
        flags.Define("verify", GoFlags.Kind.Bool, "false", "verify initialized data");
        flags.Define("fraction", GoFlags.Kind.Float64, "0.2", "how much % of POS data to verify. Sane values are < 1.0");
        flags.Define("reset", GoFlags.Kind.Bool, "false", "whether to reset the datadir before starting");
        flags.Define("yes", GoFlags.Kind.Bool, "false", "confirm potentially dangerous actions");
        flags.Define("logLevel", GoFlags.Kind.String, "info", "log level (debug, info, warn, error, dpanic, panic, fatal)");
        flags.Define("provider", GoFlags.Kind.Uint, "0", "compute provider id (required)");
        flags.Define("commitmentAtxId", GoFlags.Kind.String, "", "commitment atx id, in hex (required)");
        flags.Define("id", GoFlags.Kind.String, "", "miner's id (public key), in hex (will be auto-generated if not provided)");
        flags.Define("datadir", GoFlags.Kind.String, Path.Combine(home, "post", "data"), "filesystem datadir path");
        flags.Define("labelsPerUnit", GoFlags.Kind.Uint64, MainnetLabelsPerUnit.ToString(System.Globalization.CultureInfo.InvariantCulture), "the number of labels per unit");
        flags.Define("scryptN", GoFlags.Kind.Uint, MainnetScryptN.ToString(System.Globalization.CultureInfo.InvariantCulture), "scrypt N parameter");
        flags.Define("numUnits", GoFlags.Kind.Uint, "0", "number of units");
        flags.Define("maxFileSize", GoFlags.Kind.Uint64, DefaultMaxFileSize.ToString(System.Globalization.CultureInfo.InvariantCulture), "max file size");
        flags.Define("fromFile", GoFlags.Kind.Int, "0", "index of the first file to init (inclusive)");
        flags.Define("toFile", GoFlags.Kind.Int, "0", "index of the last file to init (inclusive). Will init to the end of declared space if not provided");
        return flags;
    }
}
