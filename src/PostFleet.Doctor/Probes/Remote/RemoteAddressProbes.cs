using k8s;
using PostFleet.Core.Configuration;
using PostFleet.Runtime.Docker;

namespace PostFleet.Doctor.Probes.Remote;

/// <summary>How doctor's probes run: their deadline, and the API server's client (null: the kubeconfig or in-cluster account).</summary>
public sealed record RemoteProbeOptions(TimeSpan Timeout, Func<IKubernetes>? Kubernetes = null)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static RemoteProbeOptions Default { get; } = new(DefaultTimeout);
}

/// <summary>One probe site and what its probe found; <see cref="Skipped"/>: no probe image is configured for it.</summary>
public sealed record ProbeResult(ProbeSite Site, ProbeOutcome Outcome, bool Skipped = false);

/// <summary>Runs one probe per site of a fleet on Docker or Kubernetes, all at once, and gathers what each found.</summary>
public static class RemoteAddressProbes
{
    public static async Task<IReadOnlyList<ProbeResult>> RunAsync(FleetSpec spec, RemoteProbeOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        var sites = ProbePlan.Sites(spec);
        if (sites.Count == 0)
        {
            return [];
        }

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(3) }) { Timeout = Timeout.InfiniteTimeSpan };
        return spec.Runtime == RuntimeKind.Docker
            ? await DockerAsync(spec, sites, options, http, time, cancellationToken)
            : await KubernetesAsync(spec, sites, options, http, time, cancellationToken);
    }

    private static async Task<IReadOnlyList<ProbeResult>> DockerAsync(FleetSpec spec, IReadOnlyList<ProbeSite> sites, RemoteProbeOptions options, HttpClient http, TimeProvider time, CancellationToken cancellationToken)
    {
        if (spec.Docker.ProbeImage is not { } image)
        {
            return [.. sites.Select(s => Skip(s, "docker.probe-image is not set (a PostFleet image, e.g. built from packaging/Dockerfile)"))];
        }

        var clients = new List<IDisposable>();
        try
        {
            return await Task.WhenAll(sites.Select(async site =>
            {
                var settings = spec.Docker.Endpoints.FirstOrDefault(e => e.Name == site.Endpoint);
                var endpoint = settings is null ? DockerEndpoint.LocalSocket : new DockerEndpoint(settings.Name, settings.Address, settings.Tls is { } tls ? new DockerTlsOptions(tls.CaCert, tls.Cert, tls.Key) : null);
                Docker.DotNet.DockerClient client;
                try
                {
                    client = DockerClients.Create(endpoint);
                }
                catch (Exception ex) when (ex is ArgumentException or IOException or System.Security.Cryptography.CryptographicException)
                {
                    return new ProbeResult(site, ProbeOutcome.NotRunBecause($"no client for engine '{endpoint.Name}': {ex.Message}"));
                }

                lock (clients)
                {
                    clients.Add(client);
                }

                var session = new DockerProbeSession(site, client, image, spec.Docker.Network, spec.FleetId, $"engine '{endpoint.Name}' ({endpoint.Address})", http, options.Timeout, time);
                return new ProbeResult(site, await session.RunAsync(cancellationToken));
            }));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    private static async Task<IReadOnlyList<ProbeResult>> KubernetesAsync(FleetSpec spec, IReadOnlyList<ProbeSite> sites, RemoteProbeOptions options, HttpClient http, TimeProvider time, CancellationToken cancellationToken)
    {
        if (spec.Kubernetes.ProbeImage is null)
        {
            return [.. sites.Select(s => Skip(s, "kubernetes.probe-image is not set (a PostFleet image, e.g. built from packaging/Dockerfile)"))];
        }

        IKubernetes client;
        try
        {
            client = options.Kubernetes?.Invoke() ?? new Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig());
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException or InvalidOperationException)
        {
            return [.. sites.Select(s => new ProbeResult(s, ProbeOutcome.NotRunBecause($"no Kubernetes client (in-cluster account or kubeconfig): {ex.Message}")))];
        }

        return await Task.WhenAll(sites.Select(async site =>
            new ProbeResult(site, await new KubernetesProbeSession(site, client, spec.Kubernetes, spec.FleetId, http, options.Timeout, time).RunAsync(cancellationToken))));
    }

    private static ProbeResult Skip(ProbeSite site, string reason) => new(site, ProbeOutcome.NotRunBecause(reason), Skipped: true);
}
