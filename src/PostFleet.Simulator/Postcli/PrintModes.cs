using System.Globalization;
using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.Postcli;

/// <summary>The modes that run before any validation and return early: -printProviders, -printConfig, -printNumFiles, -verify.</summary>
public static class PrintModes
{
    /// <summary>Returns the exit code when a print mode ran, null otherwise.</summary>
    public static int? Run(GoFlags flags, CliOutput output, TextWriter stdout)
    {
        if (flags.Bool("printProviders"))
        {
            stdout.Write(Providers());
            return 0;
        }

        if (flags.Bool("printConfig"))
        {
            stdout.Write(Config(flags));
            return 0;
        }

        if (flags.Bool("printNumFiles"))
        {
            var total = flags.UInt64("numUnits") * flags.UInt64("labelsPerUnit") * DataLayout.LabelSize;
            var maxFileSize = Math.Max(1, flags.UInt64("maxFileSize"));
            output.Log(DataLayout.FileCount(total, maxFileSize).ToString(CultureInfo.InvariantCulture));
            return 0;
        }

        if (flags.Bool("verify"))
        {
            Verify(Path.GetFullPath(flags.String("datadir")), flags.Float("fraction"), output);
            return 0;
        }

        return null;
    }

    private static string Providers() =>
        """
        ([]postrs.Provider) (len=2 cap=2) {
         (postrs.Provider) {
          ID: (uint32) 0,
          Model: (string) (len=27) "PostFleet simulated OpenCL",
          DeviceType: (postrs.DeviceClass) GPU
         },
         (postrs.Provider) {
          ID: (uint32) 4294967295,
          Model: (string) (len=20) "[CPU] scrypt-jane",
          DeviceType: (postrs.DeviceClass) CPU
         }
        }

        """;

    private static string Config(GoFlags flags) =>
        string.Join('\n',
            "(config.Config) {",
            $" MinNumUnits: (uint32) {PostcliOptions.MainnetMinNumUnits},",
            $" MaxNumUnits: (uint32) {PostcliOptions.MainnetMaxNumUnits},",
            $" LabelsPerUnit: (uint64) {flags.String("labelsPerUnit")},",
            " K1: (uint) 26,",
            " K2: (uint) 37",
            "}",
            "(config.InitOpts) {",
            $" DataDir: (string) \"{flags.String("datadir")}\",",
            $" NumUnits: (uint32) {flags.String("numUnits")},",
            $" MaxFileSize: (uint64) {flags.String("maxFileSize")},",
            $" ProviderID: (*uint32) {flags.String("provider")},",
            $" Scrypt: (config.ScryptParams) {{ N: (uint) {flags.String("scryptN")}, R: (uint) 1, P: (uint) 1 }}",
            "}",
            "");

    /// <summary>Checks the identity.key/NodeId match, the file sizes and a sample of labels (fraction in percent).</summary>
    private static void Verify(string dataDir, double fractionPercent, CliOutput output)
    {
        PostMetadata meta;
        try
        {
            meta = PostMetadata.Load(dataDir);
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or FormatException)
        {
            throw GoExit.Fatal($"failed to load metadata: {ex.Message}");
        }

        var keyPath = Path.Combine(dataDir, InitValidation.KeyFileName);
        if (File.Exists(keyPath) && (!IdentityKey.TryParse(File.ReadAllText(keyPath), out var key, out _) || !key!.PublicKey.AsSpan().SequenceEqual(meta.NodeId)))
        {
            throw GoExit.Fatal("identity.key does not match the NodeId in the metadata");
        }

        using var labels = new Labels(meta.NodeId, meta.CommitmentAtxId);
        var random = new Random();
        var expected = new byte[DataLayout.LabelSize];
        var actual = new byte[DataLayout.LabelSize];
        var samples = Math.Max(1, (long)(meta.NumLabels * fractionPercent / 100));
        for (var i = 0; i < samples; i++)
        {
            var index = (ulong)random.NextInt64((long)meta.NumLabels);
            var file = (int)(index * DataLayout.LabelSize / meta.MaxFileSize);
            var path = Path.Combine(dataDir, DataLayout.FileName(file));
            if (!File.Exists(path))
            {
                throw GoExit.Fatal($"cli: POS data is invalid: missing file {path}");
            }

            using var handle = File.OpenHandle(path);
            var read = RandomAccess.Read(handle, actual, (long)(index * DataLayout.LabelSize % meta.MaxFileSize));
            labels.Compute(index, expected);
            if (read != DataLayout.LabelSize || !actual.AsSpan().SequenceEqual(expected))
            {
                throw GoExit.Fatal($"cli: POS data is invalid: label {index} does not match");
            }
        }

        output.Log("cli: POS data is valid");
    }
}
