using System.Collections.Concurrent;
using System.Diagnostics;
using k8s.Models;

namespace PostFleet.Containers.Tests.Kubernetes;

/// <summary>
/// A kubelet for <see cref="FakeKubernetesApi"/> that really runs a pod: the image's ENTRYPOINT is
/// <paramref name="entrypoint"/> (a local executable), given the container's args. The pod turns Running with
/// <paramref name="podIp"/> (null: one of 10.244.0.0/16), its output becomes the pod's log as it is written, it ends
/// Succeeded or Failed with the exit code, and a deleted pod's process is killed. The pod network is this machine.
/// </summary>
internal sealed class FakeKubelet(FakeKubernetesApi api, string entrypoint, string? podIp = null)
{
    /// <summary>Every pod this kubelet ran, as it was created.</summary>
    public ConcurrentQueue<V1Pod> Ran { get; } = new();

    public async Task RunAsync(V1Pod pod)
    {
        Ran.Enqueue(pod);
        var (ns, name) = (pod.Metadata.NamespaceProperty, pod.Metadata.Name);
        var start = new ProcessStartInfo(entrypoint) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in pod.Spec.Containers[0].Args ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        api.SetRunning(ns, name, podIp);
        var output = Task.WhenAll(CopyAsync(process.StandardOutput, ns, name), CopyAsync(process.StandardError, ns, name));
        using var gone = new CancellationTokenSource();
        var deleted = api.WaitGoneAsync(ns, name, gone.Token);
        if (await Task.WhenAny(process.WaitForExitAsync(), deleted) == deleted)
        {
            process.Kill(entireProcessTree: true);
        }

        await gone.CancelAsync();
        await process.WaitForExitAsync();
        await output;
        api.SetExited(ns, name, process.ExitCode);
    }

    private async Task CopyAsync(StreamReader from, string ns, string name)
    {
        while (await from.ReadLineAsync() is { } line)
        {
            api.AppendLog(ns, name, line + "\n");
        }
    }
}
