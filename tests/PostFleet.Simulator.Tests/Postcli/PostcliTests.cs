using System.Globalization;
using PostFleet.Simulator.Common;
using PostFleet.Testing;

namespace PostFleet.Simulator.Tests.Postcli;

/// <summary>The simulated postcli as a real process, with the demo's flags.</summary>
public sealed class PostcliTests
{
    private static readonly string Commitment = string.Concat(Enumerable.Repeat("c0ffee", 11))[..64];

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Demo_flags_write_key_metadata_and_data()
    {
        using var temp = new TempDirectory("pf-simpostcli");
        var dir = DataDir(temp, writeBytesPerSecond: 1 << 20);
        await using var postcli = Start(temp, "-provider=0", "-labelsPerUnit=1024", "-scryptN=16", "-numUnits=12", $"-datadir={dir}", "--yes", $"--commitmentAtxId={Commitment}");
        Assert.Equal(0, await postcli.WaitForExitAsync());
        Assert.Contains("cli: initialization completed", postcli.StandardError, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d cli: generating new identity$", postcli.StandardError);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d{4})\tINFO\tinitialization started\t\{""datadir"": ", postcli.StandardOutput);

        var keyPath = Path.Combine(dir, "identity.key");
        var keyText = await File.ReadAllTextAsync(keyPath);
        Assert.Matches("^[0-9a-f]{128}$", keyText);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        Assert.True(IdentityKey.TryParse(keyText, out var key, out _));

        var json = await File.ReadAllTextAsync(Path.Combine(dir, PostMetadata.FileName));
        var lines = json.Split('\n');
        Assert.Equal("{", lines[0]);
        Assert.Equal($"\t\"NodeId\": \"{Convert.ToBase64String(key!.PublicKey)}\",", lines[1]);
        Assert.Equal($"\t\"CommitmentAtxId\": \"{Convert.ToBase64String(Convert.FromHexString(Commitment))}\",", lines[2]);
        Assert.Equal("\t\"LabelsPerUnit\": 1024,", lines[3]);
        Assert.Equal("\t\"NumUnits\": 12,", lines[4]);
        Assert.Equal("\t\"MaxFileSize\": 4294967296,", lines[5]);
        Assert.Matches("^\t\"Nonce\": \\d+,$", lines[6]);
        Assert.Matches("^\t\"NonceValue\": \"[0-9a-f]{32}\"$", lines[7]);
        Assert.Equal("}", lines[^1]);
        Assert.Equal(12 * 1024 * 16, new FileInfo(Path.Combine(dir, "postdata_0.bin")).Length);

        var record = await File.ReadAllLinesAsync(Path.Combine(temp.Path, ".postfleet-sim", "record.jsonl"));
        Assert.Contains("\"event\":\"init-start\"", record[0], StringComparison.Ordinal);
        Assert.Contains("\"event\":\"init-end\"", record[^1], StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(key.PublicKey), record[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_after_kill_9_completes_with_the_same_bytes()
    {
        using var temp = new TempDirectory("pf-simpostcli");
        var dir = DataDir(temp, writeBytesPerSecond: 24 * 1024);
        string[] args = ["-provider=4294967295", "-labelsPerUnit=1024", "-scryptN=16", "-numUnits=4", "-maxFileSize=16384", $"-datadir={dir}", "-yes", $"-commitmentAtxId={Commitment}"];
        await using (var first = Start(temp, args))
        {
            await Eventually.UntilAsync(() => File.Exists(Path.Combine(dir, "postdata_1.bin")), "the second file to appear");
            first.Signal(Posix.SigKill);
            await first.WaitForExitAsync();
        }

        Assert.False(File.Exists(Path.Combine(dir, "postdata_3.bin")));
        WriteDiskProfile(temp, 1 << 20);
        await using var second = Start(temp, args);
        Assert.Equal(0, await second.WaitForExitAsync());
        Assert.Contains("initialization: file already initialized\t{\"fileIndex\": 0", second.StandardOutput, StringComparison.Ordinal);

        var meta = PostMetadata.Load(dir);
        using var labels = new Labels(meta.NodeId, meta.CommitmentAtxId);
        for (var i = 0; i < 4; i++)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(dir, DataLayout.FileName(i)));
            Assert.Equal(16384, bytes.Length);
            var expected = new byte[bytes.Length];
            labels.Compute((ulong)i * 1024, expected);
            Assert.Equal(expected, bytes);
        }
    }

    [Fact]
    public async Task Sigint_interrupts_with_exit_1_and_reset_removes_data_but_keeps_the_key()
    {
        using var temp = new TempDirectory("pf-simpostcli");
        // 64 KiB at 2 KiB/s: half a minute, so a test host starved for seconds still signals it mid-way.
        var dir = DataDir(temp, writeBytesPerSecond: 2 * 1024);
        string[] args = ["-provider=0", "-labelsPerUnit=1024", "-scryptN=16", "-numUnits=4", $"-datadir={dir}", "-yes", $"-commitmentAtxId={Commitment}"];
        await using (var init = Start(temp, args))
        {
            await Eventually.UntilAsync(() => File.Exists(Path.Combine(dir, "postdata_0.bin")) && new FileInfo(Path.Combine(dir, "postdata_0.bin")).Length > 0, "data to be written");
            init.Signal(Posix.SigInt);
            Assert.Equal(1, await init.WaitForExitAsync());
            Assert.Contains("cli: initialization interrupted", init.StandardError, StringComparison.Ordinal);
        }

        Assert.True(new FileInfo(Path.Combine(dir, "postdata_0.bin")).Length % 16 == 0);
        await using var reset = Start(temp, [.. args, "-reset"]);
        Assert.Equal(0, await reset.WaitForExitAsync());
        Assert.Contains("cli: reset completed", reset.StandardError, StringComparison.Ordinal);
        Assert.Equal(["identity.key"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task An_initialization_error_still_exits_0()
    {
        using var temp = new TempDirectory("pf-simpostcli");
        var dir = DataDir(temp, writeBytesPerSecond: 1 << 20);
        Directory.CreateDirectory(Path.Combine(dir, "postdata_0.bin"));
        var id = Convert.ToHexStringLower(IdentityKey.Generate().PublicKey);
        await using var postcli = Start(temp, "-provider=0", "-labelsPerUnit=1024", "-scryptN=16", "-numUnits=4", $"-datadir={dir}", "-yes", $"-commitmentAtxId={Commitment}", $"-id={id}");
        Assert.Equal(0, await postcli.WaitForExitAsync());
        Assert.Contains("cli: initialization error", postcli.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("cli: initialization completed", postcli.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "-provider flag is required", "-labelsPerUnit=1024", "-scryptN=16", "-numUnits=4", "-yes")]
    [InlineData(1, "Aborting", "-provider=0", "-labelsPerUnit=1024", "-scryptN=16", "-numUnits=4")]
    [InlineData(2, "flag provided but not defined: -bogus", "-bogus", "-provider=0")]
    [InlineData(2, "invalid boolean value", "-yes=maybe")]
    [InlineData(2, "panic: ", "-provider=0", "-labelsPerUnit=1024", "-scryptN=16", "-numUnits=4", "-maxFileSize=512", "-yes")]
    public async Task Validation_failures_exit_with_go_codes(int exitCode, string message, params string[] flags)
    {
        using var temp = new TempDirectory("pf-simpostcli");
        var dir = DataDir(temp, writeBytesPerSecond: 1 << 20);
        await using var postcli = Start(temp, [.. flags, $"-datadir={dir}", $"-commitmentAtxId={Commitment}"]);
        Assert.Equal(exitCode, await postcli.WaitForExitAsync());
        Assert.Contains(message, postcli.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "postdata_0.bin")));
    }

    private static string DataDir(TempDirectory temp, double writeBytesPerSecond)
    {
        WriteDiskProfile(temp, writeBytesPerSecond);
        return temp.Combine("disk", "post1");
    }

    private static void WriteDiskProfile(TempDirectory temp, double writeBytesPerSecond)
    {
        Directory.CreateDirectory(temp.Combine("disk"));
        File.WriteAllText(temp.Combine("disk", DiskProfile.FileName), string.Create(CultureInfo.InvariantCulture, $$"""{"writeBytesPerSecond": {{writeBytesPerSecond}}}"""));
    }

    private static ChildProcess Start(TempDirectory temp, params string[] args) =>
        ChildProcess.StartPostfleet(["sim", "postcli", .. args], environment: new Dictionary<string, string> { [SimPlaces.HostDirVariable] = temp.Path });
}
