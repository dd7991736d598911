using PostFleet.Core.Init;
using PostFleet.Core.Model;

namespace PostFleet.Doctor.Checks;

/// <summary>
/// The node's identities folder against what the running node carries (PostStates, read once at its start-up) and
/// against the config's services (spacemesh-node.md §3, §4).
/// </summary>
public static class IdentitiesCheck
{
    /// <param name="keys">The key files on disk.</param>
    /// <param name="carried">PostStates, null when the node could not be asked.</param>
    /// <param name="services">The config's service names.</param>
    public static IEnumerable<Finding> Evaluate(NodeIdentitiesObservation keys, IReadOnlyList<IdentityState>? carried, IReadOnlyCollection<string> services)
    {
        if (!keys.Exists)
        {
            yield return Finding.Error(CheckNames.Identities, keys.Directory, "the node's identities folder does not exist",
                "check node.data-dir (the node's -d folder); `postfleet init` creates the folder and installs the keys");
            yield break;
        }

        var others = keys.KeyFiles.Keys.Where(k => k != NodeIdentitiesObservation.LocalKeyFileName).ToList();
        if (keys.HasLocalKey && others.Count > 0)
        {
            yield return Finding.Error(CheckNames.Identities, keys.PathOf(NodeIdentitiesObservation.LocalKeyFileName),
                $"local.key lies beside {others.Count} other key file(s): the node refuses to start (\"supervised key found in remote smeshing mode\")",
                "move local.key out of the identities folder (`postfleet init --remove-local-key` keeps a dated backup) and restart the node");
        }
        else if (keys.HasLocalKey)
        {
            yield return Finding.Warn(CheckNames.Identities, keys.PathOf(NodeIdentitiesObservation.LocalKeyFileName),
                "local.key is the only key: the node runs in supervised mode and proves only that identity",
                "move local.key away and install the fleet's keys (`postfleet init`), then restart the node");
        }

        var onDisk = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (file, content) in keys.KeyFiles)
        {
            var name = file[..^".key".Length];
            var publicKey = IdentityKeyText.PublicKeyHex(content, out var keyError);
            if (publicKey is null)
            {
                yield return Finding.Error(CheckNames.Identities, keys.PathOf(file), $"the key file {keyError}: the node will refuse to start",
                    "restore the original key (the identity.key postcli wrote in the identity's data folder)");
            }

            onDisk[name] = publicKey;
        }

        if (carried is null)
        {
            yield break;
        }

        var byName = carried.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var problems = 0;
        foreach (var (name, publicKey) in onDisk)
        {
            if (name == "local")
            {
                continue;
            }

            if (!byName.TryGetValue(name, out var state))
            {
                problems++;
                yield return Finding.Error(CheckNames.Identities, keys.PathOf(name + ".key"),
                    $"key file {name}.key is not carried by the running node (the node reads its keys only at start-up)",
                    "restart the node so it loads the key");
            }
            else if (publicKey is not null && state.Id.Hex != publicKey)
            {
                problems++;
                yield return Finding.Error(CheckNames.Identities, keys.PathOf(name + ".key"),
                    $"key file {name}.key holds node id {publicKey[..8]}…, but the node carries '{name}' as {state.Id.Short}… (the file changed after the node started)",
                    "restore the key the node started with, or restart the node to load the new one");
            }
        }

        foreach (var state in carried.Where(c => !services.Contains(c.Name)))
        {
            problems++;
            yield return Finding.Warn(CheckNames.Identities, state.Name,
                $"the node carries identity '{state.Name}' ({state.Id.Short}…) but no service in the config proves it",
                $"add a service named {state.Name} to the config (`postfleet discover` writes one), or remove identities/{state.Name}.key and restart the node");
        }

        foreach (var name in services.Where(s => !byName.ContainsKey(s)))
        {
            problems++;
            yield return onDisk.ContainsKey(name)
                ? Finding.Error(CheckNames.Identities, name, $"service '{name}' is in the config, but the node does not carry it yet (its key file is there)", "restart the node so it loads the key")
                : Finding.Error(CheckNames.Identities, name, $"service '{name}' is in the config, but the node does not carry it and {keys.Directory}/{name}.key does not exist",
                    $"run `postfleet init` (it installs the key), or copy the identity's identity.key to {name}.key in the identities folder, then restart the node");
        }

        if (problems == 0)
        {
            yield return Finding.Ok(CheckNames.Identities, keys.Directory, $"the node carries all {services.Count} configured identities and every key file on disk");
        }
    }
}
