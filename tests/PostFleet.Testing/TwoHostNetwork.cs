using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Xunit;

namespace PostFleet.Testing;

/// <summary>
/// Two "hosts" on this machine: network namespaces A and B joined by a veth pair, with addresses in a private /30
/// this test creates (10.213.X.1 on A, 10.213.X.2 on B) and each its own loopback. Nothing outside the machine is
/// touched; disposing deletes both namespaces (which removes the veth pair). Needs root and iproute2's `ip`; without
/// them the constructor FAILS with the reason (a multi-host test must never pass by not running).
/// </summary>
public sealed partial class TwoHostNetwork : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    public TwoHostNetwork()
    {
        Require("ip", "iproute2's `ip` is missing; scripts/install-test-deps.sh installs iproute2");
        Require("nsenter", "util-linux's `nsenter` is missing; scripts/install-test-deps.sh installs util-linux");
        Assert.True(Environment.UserName == "root" || GetEuid() == 0, "creating network namespaces needs root (ip netns add); run the tests as root");

        var id = Guid.NewGuid().ToString("N")[..6];
        var subnet = 1 + (BitConverter.ToUInt16(Guid.NewGuid().ToByteArray(), 0) % 250);
        A = $"pfa-{id}";
        B = $"pfb-{id}";
        AddressA = IPAddress.Parse($"10.213.{subnet.ToString(CultureInfo.InvariantCulture)}.1");
        AddressB = IPAddress.Parse($"10.213.{subnet.ToString(CultureInfo.InvariantCulture)}.2");
        try
        {
            Ip("netns", "add", A);
            Ip("netns", "add", B);
            Ip("link", "add", $"va-{id}", "type", "veth", "peer", "name", $"vb-{id}");
            Ip("link", "set", $"va-{id}", "netns", A);
            Ip("link", "set", $"vb-{id}", "netns", B);
            Ip("-n", A, "addr", "add", $"{AddressA}/30", "dev", $"va-{id}");
            Ip("-n", B, "addr", "add", $"{AddressB}/30", "dev", $"vb-{id}");
            foreach (var (ns, link) in new[] { (A, $"va-{id}"), (B, $"vb-{id}") })
            {
                Ip("-n", ns, "link", "set", "lo", "up");
                Ip("-n", ns, "link", "set", link, "up");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Host A's namespace (the node and PostFleet).</summary>
    public string A { get; }

    /// <summary>Host B's namespace (the remote Docker engine).</summary>
    public string B { get; }

    public IPAddress AddressA { get; }

    public IPAddress AddressB { get; }

    /// <summary>The command line that runs a program inside <paramref name="ns"/>: `nsenter --net=...` (unlike `ip netns exec` it leaves /sys as it is, which dockerd needs for its cgroups).</summary>
    public static IReadOnlyList<string> Enter(string ns) => ["nsenter", $"--net=/var/run/netns/{ns}"];

    /// <summary>
    /// Runs <paramref name="action"/> on a fresh thread that has joined <paramref name="ns"/>: a socket made there stays
    /// in that namespace for its whole life, whichever thread uses it later. The thread (and its namespace) ends with it.
    /// </summary>
    public static T Inside<T>(string ns, Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{ns}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new IOException($"setns into network namespace {ns} failed (errno {Marshal.GetLastPInvokeError()})");
                }

                result = action();
            }
            catch (Exception ex)
            {
                error = ex;
            }
        });
        thread.Start();
        thread.Join();
        return error is null ? result : throw new InvalidOperationException($"in network namespace {ns}: {error.Message}", error);
    }

    /// <summary>An HttpClient whose connections are made from inside <paramref name="ns"/> (e.g. to a daemon's API on that host's loopback).</summary>
    public static HttpClient HttpClientIn(string ns) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = Inside(ns, () => new Socket(SocketType.Stream, ProtocolType.Tcp));
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    public void Dispose()
    {
        foreach (var ns in new[] { A, B })
        {
            if (File.Exists($"/var/run/netns/{ns}"))
            {
                Run("ip", ["netns", "del", ns], check: false);
            }
        }
    }

    /// <summary>Runs a command to completion; a non-zero exit fails with its output.</summary>
    public static string Run(string program, IReadOnlyList<string> arguments, bool check = true)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{program} {string.Join(' ', arguments)}` failed (exit {process.ExitCode}): {stderr.Result.Trim()}");
        }

        return stdout;
    }

    private static void Ip(params string[] arguments) => Run("ip", arguments);

    private static void Require(string program, string reason) =>
        Assert.True(
            Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(dir => File.Exists(Path.Combine(dir, program))),
            reason);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();
}
