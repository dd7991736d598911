namespace PostFleet.Testing;

/// <summary>
/// The `post:` section of a postfleet.yaml for the simulated demo network (labels-per-unit 1024, scrypt N 16,
/// k1 12, k2 20, the test pow difficulty), with the fixture's wrapper binaries under bin/. One copy, so every
/// fixture that lays out a simulated fleet agrees with the simulated node's own post settings.
/// </summary>
public static class SimulatedNetworkYaml
{
    public static readonly string PostSection = string.Join('\n',
        "post:",
        "  service-binary: bin/post-service",
        "  postcli-binary: bin/postcli",
        "  labels-per-unit: 1024",
        "  scrypt-n: 16",
        "  k1: 12",
        "  k2: 20",
        "  pow-difficulty: " + new string('f', 64),
        "  randomx-mode: light",
        "  threads: 1",
        "  nonces: 16",
        "  min-num-units: 1",
        "  max-num-units: 32",
        "  provider: 4294967295") + "\n";
}
