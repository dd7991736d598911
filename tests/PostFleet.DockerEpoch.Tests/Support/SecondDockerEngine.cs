using System.Diagnostics;
using System.Net;
using Docker.DotNet;
using PostFleet.Security;
using PostFleet.Testing;

namespace PostFleet.DockerEpoch.Tests.Support;

/// <summary>
/// A second Docker engine, on "host B": its own `dockerd` started inside network namespace B with its own data root,
/// exec root (so its own managed containerd, whose shims and host-network containers are in B too), pid file and unix
/// socket, listening on <c>tcp://B:2376</c> with <c>--tlsverify</c> and certificates made here (CA, a server certificate
/// for B's address, a client certificate for PostFleet). No bridge and no iptables: the machine's firewall and the
/// shared engine at /var/run/docker.sock are left alone. Disposing stops it and removes everything it made.
/// </summary>
public sealed class SecondDockerEngine : IAsyncDisposable
{
    private readonly TempDirectory _root;
    private readonly Process _daemon;
    private readonly StreamWriter _log;

    private SecondDockerEngine(TempDirectory root, Process daemon, StreamWriter log, MtlsBundleFiles certificates, IPAddress address)
    {
        _root = root;
        _daemon = daemon;
        _log = log;
        Certificates = certificates;
        TcpAddress = new Uri($"tcp://{address}:2376");
    }

    /// <summary>The engine's CA, server certificate and the client certificate <c>client-postfleet.pem</c>.</summary>
    public MtlsBundleFiles Certificates { get; }

    public Uri TcpAddress { get; }

    /// <summary>The engine's own unix socket (used by the test to load the image; PostFleet uses <see cref="TcpAddress"/>).</summary>
    public string Socket => _root.Combine("docker.sock");

    public string LogPath => _root.Combine("dockerd.log");

    public static async Task<SecondDockerEngine> StartAsync(string ns, IPAddress address)
    {
        var root = new TempDirectory("pf-engine-b");
        var certificates = new MtlsBundleWriter(TimeProvider.System).Write(new MtlsBundleRequest(root.Combine("tls"), [address.ToString()], ["postfleet"], 2, Force: false));
        var info = new ProcessStartInfo(TwoHostNetwork.Enter(ns)[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] arguments =
        [
            .. TwoHostNetwork.Enter(ns).Skip(1),
            "dockerd",
            "--data-root", root.Combine("data"),
            "--exec-root", root.Combine("exec"),
            "--pidfile", root.Combine("docker.pid"),
            "-H", $"unix://{root.Combine("docker.sock")}",
            "-H", $"tcp://{address}:2376",
            "--tlsverify", "--tlscacert", certificates.CaCert, "--tlscert", certificates.NodeCert, "--tlskey", certificates.NodeKey,
            "--bridge=none", "--iptables=false",
        ];
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var daemon = Process.Start(info)!;
        var log = new StreamWriter(root.Combine("dockerd.log")) { AutoFlush = true };
        var gate = new Lock();
        void Write(string? line)
        {
            if (line is not null)
            {
                lock (gate)
                {
                    log.WriteLine(line);
                }
            }
        }

        daemon.OutputDataReceived += (_, e) => Write(e.Data);
        daemon.ErrorDataReceived += (_, e) => Write(e.Data);
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        var engine = new SecondDockerEngine(root, daemon, log, certificates, address);
        try
        {
            using var client = engine.LocalClient();
            await Eventually.UntilAsync(
                async () =>
                {
                    if (daemon.HasExited)
                    {
                        Assert.Fail($"dockerd of host B exited ({daemon.ExitCode}):\n{LogTail(engine.LogPath)}");
                    }

                    try
                    {
                        await client.System.PingAsync();
                        return true;
                    }
                    catch (Exception ex) when (ex is HttpRequestException or IOException or DockerApiException or TimeoutException)
                    {
                        return false;
                    }
                },
                () => $"dockerd of host B to answer on {engine.Socket}; its log:\n{LogTail(engine.LogPath)}",
                TimeSpan.FromSeconds(60));
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }

        return engine;
    }

    public DockerClient LocalClient() => new DockerClientConfiguration(new Uri($"unix://{Socket}")).CreateClient();

    /// <summary>Copies an image from the machine's shared engine into this one (docker save | docker load; no registry).</summary>
    public void LoadImage(string image) =>
        TwoHostNetwork.Run("bash", ["-c", $"set -o pipefail; docker save '{image}' | docker -H 'unix://{Socket}' load"]);

    public async ValueTask DisposeAsync()
    {
        if (!_daemon.HasExited)
        {
            // SIGTERM: dockerd stops its containers (host B's post-services), its containerd, and unmounts its layers.
            Posix.Kill(_daemon.Id, Posix.SigTerm);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await _daemon.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Posix.Kill(_daemon.Id, Posix.SigKill);
                await _daemon.WaitForExitAsync();
            }
        }

        _daemon.Dispose();
        await _log.DisposeAsync();

        // Whatever is still mounted under the engine's roots (its netns files, a layer after a kill) goes first, deepest first.
        var mounts = File.ReadAllLines("/proc/mounts")
            .Select(line => line.Split(' ')[1].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(path => path.StartsWith(_root.Path + "/", StringComparison.Ordinal))
            .OrderByDescending(path => path.Length);
        foreach (var mount in mounts)
        {
            TwoHostNetwork.Run("umount", ["-l", mount], check: false);
        }

        _root.Dispose();
    }

    private static string LogTail(string path) =>
        File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(20)) : "(no log)";
}
