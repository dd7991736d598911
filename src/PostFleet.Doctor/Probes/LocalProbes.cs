using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PostFleet.Core.Init;
using PostFleet.Core.Model;
using PostFleet.Doctor.Checks;
using PostFleet.Init.Inspection;
using PostFleet.Spacemesh.Operator;

namespace PostFleet.Doctor.Probes;

/// <summary>Looks at this host: programs, ports, data folders, free space. Read-only.</summary>
public static class LocalProbes
{
    public static async Task<BinaryObservation> BinaryAsync(string program, string configKey, string configured, bool askVersion, CancellationToken cancellationToken)
    {
        var resolved = PathProbe.ResolveExecutable(configured);
        if (!File.Exists(resolved))
        {
            return new BinaryObservation(program, configKey, configured, resolved, false, false);
        }

        if (!PathProbe.IsExecutable(resolved))
        {
            return new BinaryObservation(program, configKey, configured, resolved, true, false);
        }

        if (!askVersion)
        {
            return new BinaryObservation(program, configKey, configured, resolved, true, true);
        }

        var (version, error) = await VersionAsync(resolved, cancellationToken).ConfigureAwait(false);
        return new BinaryObservation(program, configKey, configured, resolved, true, true, version, error);
    }

    /// <summary>`PROGRAM --version`: its first output line, within 10 s.</summary>
    public static async Task<(string? Version, string? Error)> VersionAsync(string executable, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(executable, ["--version"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(info)!;
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (null, "no answer within 10 s");
            }

            var output = (await stdout.ConfigureAwait(false)).Trim();
            var first = output.Split('\n', 2)[0].Trim();
            return process.ExitCode == 0 && first.Length > 0
                ? (first, null)
                : (null, $"exit code {process.ExitCode}: {(await stderr.ConfigureAwait(false)).Trim().Split('\n')[0]}");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            return (null, ex.Message);
        }
    }

    public static async Task<OperatorPortObservation> OperatorPortAsync(string service, string address, OperatorStatusClient status, CancellationToken cancellationToken)
    {
        if (!IPEndPoint.TryParse(address, out var endpoint))
        {
            return new OperatorPortObservation(service, address, PortState.NotLocal, "not an IP:port");
        }

        try
        {
            using var listener = new TcpListener(endpoint);
            listener.Server.ExclusiveAddressUse = true;
            listener.Start();
            listener.Stop();
            return new OperatorPortObservation(service, address, PortState.Free);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            var answer = await status.GetStatusAsync(address, cancellationToken).ConfigureAwait(false);
            return answer is ServiceStatus.Unreachable unreachable
                ? new OperatorPortObservation(service, address, PortState.Other, $"it does not answer GET /status like a post-service: {unreachable.Reason}")
                : new OperatorPortObservation(service, address, PortState.PostService, $"/status: {answer.GetType().Name}");
        }
        catch (SocketException ex)
        {
            return new OperatorPortObservation(service, address, PortState.NotLocal, ex.Message);
        }
    }

    public static (PostDataObservation? Data, string? Error) Data(string dataDir)
    {
        try
        {
            return (PostDataInspector.Observe(dataDir), null);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return (null, ex.Message);
        }
    }
}
