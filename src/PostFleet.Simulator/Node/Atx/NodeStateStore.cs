using System.Text.Json;
using System.Text.Json.Serialization;

namespace PostFleet.Simulator.Node;

/// <summary>What the real node keeps in local.sql per identity, enough to resume after a restart.</summary>
public sealed class IdentityProgress
{
    public bool InitialPostDone { get; set; }

    /// <summary>Publish epoch of the challenge in flight (built, registered in the PoET round), if any.</summary>
    public uint? PendingPublishEpoch { get; set; }

    /// <summary>The PoET proof was fetched: the NiPoST challenge is known and a PoST is (or was) requested.</summary>
    public bool PoetProofFetched { get; set; }

    public bool NipostDone { get; set; }

    public uint NumUnits { get; set; }

    public List<PublishedAtx> Atxs { get; set; } = [];

    public void ClearPending()
    {
        PendingPublishEpoch = null;
        PoetProofFetched = false;
        NipostDone = false;
    }
}

public sealed record PublishedAtx(uint PublishEpoch, string IdHex, string NodeIdHex, uint NumUnits, ulong Sequence);

/// <summary>
/// `&lt;data&gt;/sim-state.json`: the network's genesis and each identity's progress, rewritten atomically
/// (temp file + rename) after every change so a killed node resumes where it stopped.
/// </summary>
public sealed class NodeStateStore
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly StoredState _state;

    private NodeStateStore(string path, StoredState state)
    {
        _path = path;
        _state = state;
    }

    public DateTimeOffset? Genesis => _state.Genesis;

    public static NodeStateStore Open(string path)
    {
        if (!File.Exists(path))
        {
            return new NodeStateStore(path, new StoredState());
        }

        try
        {
            return new NodeStateStore(path, JsonSerializer.Deserialize<StoredState>(File.ReadAllText(path), Json) ?? new StoredState());
        }
        catch (JsonException ex)
        {
            throw new StartupException($"corrupt simulator state {path}: {ex.Message}; remove it to start over");
        }
    }

    public void SetGenesis(DateTimeOffset genesis)
    {
        lock (_gate)
        {
            _state.Genesis = genesis;
            Save();
        }
    }

    /// <summary>A copy of the identity's progress (callers never share the stored object).</summary>
    public IdentityProgress Get(NodeIdentity identity)
    {
        lock (_gate)
        {
            return Clone(_state.Identities.GetValueOrDefault(identity.NodeIdHex) ?? new IdentityProgress());
        }
    }

    public IdentityProgress Update(NodeIdentity identity, Action<IdentityProgress> change)
    {
        lock (_gate)
        {
            if (!_state.Identities.TryGetValue(identity.NodeIdHex, out var progress))
            {
                progress = new IdentityProgress();
                _state.Identities[identity.NodeIdHex] = progress;
            }

            change(progress);
            Save();
            return Clone(progress);
        }
    }

    /// <summary>The ATX ActivationService.Highest reports: the newest publish epoch (stand-in for highest tick height).</summary>
    public PublishedAtx? HighestAtx()
    {
        lock (_gate)
        {
            return _state.Identities.Values.SelectMany(p => p.Atxs)
                .OrderByDescending(a => a.PublishEpoch).ThenBy(a => a.IdHex, StringComparer.Ordinal).FirstOrDefault();
        }
    }

    private void Save()
    {
        var temp = _path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(_state, Json));
        File.Move(temp, _path, overwrite: true);
    }

    private static IdentityProgress Clone(IdentityProgress p) =>
        JsonSerializer.Deserialize<IdentityProgress>(JsonSerializer.Serialize(p, Json), Json)!;

    private sealed class StoredState
    {
        public DateTimeOffset? Genesis { get; set; }

        public Dictionary<string, IdentityProgress> Identities { get; set; } = new(StringComparer.Ordinal);
    }
}
