namespace PostFleet.Core.Configuration;

/// <summary>Every key the config accepts, per section (kebab-case, as in design.md). Unknown keys are errors.</summary>
internal static class ConfigKeys
{
    public static readonly string[] Root = ["node", "nodes", "post", "runtime", "schedule", "state-dir", "disks", "fleet-id", "process", "docker", "kubernetes", "alerts", "api", "history", "k2pow"];
    public static readonly string[] Node = ["post-listener", "public-listener", "private-listener", "data-dir", "poet", "tls"];
    public static readonly string[] NodeEntry = ["name", .. Node];
    public static readonly string[] Poet = ["phase-shift", "cycle-gap", "grace-period"];
    public static readonly string[] Tls = ["ca-cert", "cert", "key", "domain"];

    public static readonly string[] Post =
    [
        "service-binary", "postcli-binary", "labels-per-unit", "scrypt-n", "k1", "k2", "pow-difficulty",
        "randomx-mode", "threads", "nonces", "min-num-units", "max-num-units", "max-file-size", "provider",
    ];

    public static readonly string[] Schedule =
    [
        "per-disk", "max-pow", "max-running", "stop-grace", "no-progress-timeout", "idle-stop-grace",
        "restart-backoff", "on-shutdown", "startup-grace", "resync", "mode", "pipeline-margin",
        "max-pow-risk",
    ];

    public static readonly string[] Process = ["nice"];
    public static readonly string[] Docker = ["endpoints", "image", "network", "data-mount-path", "disk-endpoints", "labels", "request-timeout", "probe-image"];
    public static readonly string[] DockerEndpoint = ["name", "address", "tls", "node-address", "status-host"];

    public static readonly string[] Kubernetes =
        ["namespace", "service-account", "image", "data-mount-path", "host-network", "labels", "disks", "request-timeout", "tls-secret", "node-address", "status-via", "probe-image"];

    public static readonly string[] KubernetesDisk = ["node", "node-selector", "claim", "mount-root", "node-address"];

    public static readonly string[] RestartBackoff = ["initial", "max"];
    public static readonly string[] Disk = ["name", "host", "node", "services", "tls", "node-address"];
    public static readonly string[] Service = ["name", "dir", "num-units", "operator", "after", "node"];

    public static readonly string[] Alerts = ["webhooks", "crash-loop-restarts", "predicted-miss"];
    public static readonly string[] Webhook = ["url", "kind", "chat-id", "min-severity"];
    public static readonly string[] Api = ["listen", "token-file", "allowed-hosts"];
    public static readonly string[] History = ["path", "retention"];

    public static readonly string[] WebhookKinds = ["generic", "discord", "slack", "telegram"];
    public static readonly string[] Severities = ["warning", "critical"];
    public static readonly string[] Booleans = ["true", "false"];

    public static readonly string[] PodStatusRoutes = ["proxy", "pod-ip"];
    public static readonly string[] RuntimeKinds = ["process", "docker", "kubernetes"];
    public static readonly string[] ScheduleModes = ["exclusive", "pipelined"];
    public static readonly string[] ShutdownPolicies = ["leave-running", "stop-all"];
    public static readonly string[] RandomXModes = ["fast", "light"];
}
