using System.Globalization;
using PostFleet.Simulator.Common;
using PostFleet.Testing;

namespace PostFleet.Simulator.Tests.PostService;

/// <summary>
/// A simulated host for one test: <c>host/</c> with its profile and record, disks below it, PoST data below those.
/// The host folder is passed with POSTFLEET_SIM_HOST_DIR so tests never share leases or records.
/// </summary>
public sealed class SimHostFolder : IDisposable
{
    private readonly TempDirectory _temp = new("pf-simpost");

    /// <param name="randomXSetup">The RandomX prover's build (fast, light) in seconds; null leaves the profile's defaults.</param>
    public SimHostFolder(double k2powSecondsPerUnitPerNonceGroup = 0.05, double? passSuccessProbability = 1, int cores = 4, (double Fast, double Light)? randomXSetup = null)
    {
        var probability = passSuccessProbability is { } p ? p.ToString(CultureInfo.InvariantCulture) : "null";
        var setup = randomXSetup is var (fast, light)
            ? string.Create(CultureInfo.InvariantCulture, $", \"randomxFastSetupSeconds\": {fast}, \"randomxLightSetupSeconds\": {light}")
            : "";
        File.WriteAllText(Path.Combine(Host, HostProfile.FileName),
            $$"""{"cores": {{cores}}, "k2powSecondsPerUnitPerNonceGroup": {{k2powSecondsPerUnitPerNonceGroup.ToString(CultureInfo.InvariantCulture)}}, "passSuccessProbability": {{probability}}, "seed": 7{{setup}}}""");
    }

    public string Host => _temp.Path;

    public string RecordPath => Path.Combine(Host, ".postfleet-sim", "record.jsonl");

    public Dictionary<string, string> Environment => new() { [SimPlaces.HostDirVariable] = Host };

    public string Disk(string name, double readBytesPerSecond, double writeBytesPerSecond = 1 << 20, double concurrencyPenalty = 0.2)
    {
        var disk = Path.Combine(Host, name);
        Directory.CreateDirectory(disk);
        File.WriteAllText(Path.Combine(disk, DiskProfile.FileName),
            string.Create(CultureInfo.InvariantCulture, $$"""{"readBytesPerSecond": {{readBytesPerSecond}}, "writeBytesPerSecond": {{writeBytesPerSecond}}, "concurrencyPenalty": {{concurrencyPenalty}}}"""));
        return disk;
    }

    /// <summary>Writes complete PoST data in-process (the service tests are about proving, not init).</summary>
    public static PostMetadata WriteData(string dataDir, uint numUnits, ulong labelsPerUnit = 1024, ulong maxFileSize = 1UL << 32)
    {
        Directory.CreateDirectory(dataDir);
        var key = IdentityKey.Generate();
        var meta = new PostMetadata(key.PublicKey, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), labelsPerUnit, numUnits, maxFileSize, Nonce: 3, NonceValue: new byte[16]);
        meta.Save(dataDir);
        using var labels = new Labels(meta.NodeId, meta.CommitmentAtxId);
        var files = DataLayout.FileCount(meta.TotalBytes, maxFileSize);
        for (var i = 0; i < files; i++)
        {
            var bytes = new byte[DataLayout.ExpectedFileSize(i, meta.TotalBytes, maxFileSize)];
            labels.Compute((ulong)i * maxFileSize / DataLayout.LabelSize, bytes);
            File.WriteAllBytes(Path.Combine(dataDir, DataLayout.FileName(i)), bytes);
        }

        return meta;
    }

    public IReadOnlyList<System.Text.Json.JsonElement> Record() =>
        File.Exists(RecordPath)
            ? [.. File.ReadAllLines(RecordPath).Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.Clone())]
            : [];

    public void Dispose() => _temp.Dispose();
}
