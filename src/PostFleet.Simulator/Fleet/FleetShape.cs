namespace PostFleet.Simulator.Fleet;

/// <summary>
/// A generated fleet of any size: <see cref="Identities"/> spread evenly over <see cref="Disks"/>, the disks
/// evenly over <see cref="Hosts"/>. Names say where an identity is (h1d007_3: host 1, disk 7, fourth on it), so a
/// 1,000-identity dashboard or log can be read without a map. Units are small (1 to 3) so the simulated init and
/// reads stay short: at this size the cost that matters is the processes, not the bytes.
/// </summary>
public sealed record FleetShape(int Identities, int Disks, int Hosts)
{
    public const int MaxIdentities = 10_000;

    /// <summary>What is wrong with the shape, naming the flag, or null.</summary>
    public string? Problem() =>
        Identities is < 1 or > MaxIdentities ? $"--identities {Identities}: must be 1 to {MaxIdentities}"
        : Disks < 1 || Disks > Identities ? $"--disks {Disks}: must be 1 to the number of identities ({Identities})"
        : Hosts < 1 || Hosts > Disks ? $"--hosts {Hosts}: must be 1 to the number of disks ({Disks})"
        : null;

    /// <summary>The disks with their identities; a host's disks share its folder (and so its simulated CPU).</summary>
    public IReadOnlyList<SimulatedDisk> Layout(double readBytesPerSecond, double writeBytesPerSecond)
    {
        var disks = new List<SimulatedDisk>(Disks);
        for (var d = 0; d < Disks; d++)
        {
            var host = d % Hosts;
            var name = $"h{host}d{d:D3}";
            var count = (Identities / Disks) + (d < Identities % Disks ? 1 : 0);
            var services = Enumerable.Range(0, count).Select(i => new SimulatedService($"{name}_{i}", (uint)(1 + ((d + i) % 3)))).ToList();
            disks.Add(new SimulatedDisk(name, services)
            {
                Host = Hosts == 1 ? null : $"host{host}",
                ReadBytesPerSecond = readBytesPerSecond,
                WriteBytesPerSecond = writeBytesPerSecond,
            });
        }

        return disks;
    }
}
