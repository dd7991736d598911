using PostFleet.Testing;

namespace PostFleet.EndToEnd.Tests;

/// <summary>`postfleet init` with the simulated postcli: killed mid-way (with its postcli), then run again.</summary>
public sealed class InitResumeTests
{
    private const int Units = 8;
    private const long Bytes = Units * 1024L * 16;

    [Fact]
    public async Task An_init_killed_mid_way_resumes_on_rerun_and_finishes_with_correct_data()
    {
        using var dir = new TempDirectory("pf-init");
        var disk = dir.Combine("disks", "diskA");
        Directory.CreateDirectory(disk);
        // Slow enough to be caught mid-file: 128 KiB per identity at 16 KiB/s, seen in its first half, leaves a starved
        // host at least 4 s to kill init before the file is whole.
        File.WriteAllText(Path.Combine(disk, "postfleet-sim-disk.json"), """{ "readBytesPerSecond": 32768, "writeBytesPerSecond": 16384 }""");
        var bin = dir.Combine("bin");
        Directory.CreateDirectory(bin);
        var postcli = Path.Combine(bin, "postcli");
        File.WriteAllText(postcli, $"#!/bin/sh\nexec '{RepoPaths.PostfleetExecutable}' sim postcli \"$@\"\n");
        File.SetUnixFileMode(postcli, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var config = dir.Combine("postfleet.yaml");
        File.WriteAllText(config, $$"""
            node:
              post-listener: http://127.0.0.1:{{FreePorts.Next()}}
              public-listener: http://127.0.0.1:{{FreePorts.Next()}}
              private-listener: http://127.0.0.1:{{FreePorts.Next()}}
              data-dir: node_data
            post:
              service-binary: bin/postcli
              postcli-binary: bin/postcli
              labels-per-unit: 1024
              scrypt-n: 16
              min-num-units: 1
              max-num-units: 32
              provider: 0
            disks:
              - name: diskA
                services:
                  - { name: diskA_post1, dir: disks/diskA/diskA_post1, num-units: {{Units}}, operator: 127.0.0.1:{{FreePorts.Next()}} }
                  - { name: diskA_post2, dir: disks/diskA/diskA_post2, num-units: {{Units}}, operator: 127.0.0.1:{{FreePorts.Next()}} }
            """);
        string[] init = ["init", "-c", config, "--commitment-atx", new string('a', 64)];
        var firstBin = Path.Combine(disk, "diskA_post1", "postdata_0.bin");

        await using (var interrupted = ChildProcess.StartPostfleet(init))
        {
            await Eventually.UntilAsync(() => File.Exists(firstBin) && new FileInfo(firstBin).Length is > 0 and < Bytes / 2, "diskA_post1 less than half written", TimeSpan.FromMinutes(1));
        }

        // Disposing killed init and its postcli at once: no flush, a partial file, no key installed yet.
        Assert.InRange(new FileInfo(firstBin).Length, 1, Bytes - 1);
        Assert.False(File.Exists(Path.Combine(dir.Path, "node_data", "identities", "diskA_post1.key")));

        await using var rerun = ChildProcess.StartPostfleet(init);
        Assert.True(await rerun.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, rerun.StandardOutput + rerun.StandardError);

        foreach (var name in new[] { "diskA_post1", "diskA_post2" })
        {
            var data = Path.Combine(disk, name);
            Assert.Equal(Bytes, Directory.GetFiles(data, "postdata_*.bin").Sum(f => new FileInfo(f).Length));
            var key = Path.Combine(dir.Path, "node_data", "identities", name + ".key");
            Assert.Equal(File.ReadAllText(Path.Combine(data, "identity.key")), File.ReadAllText(key));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }

        // The resumed file holds the same labels a fresh init writes: re-verify with postcli's own check.
        await using var verify = ChildProcess.StartPostfleet(["sim", "postcli", "-verify", "-fraction=100", $"-datadir={Path.Combine(disk, "diskA_post1")}"]);
        Assert.True(await verify.WaitForExitAsync() == 0, verify.StandardOutput + verify.StandardError);
    }
}
