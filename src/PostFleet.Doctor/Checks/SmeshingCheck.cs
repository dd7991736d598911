namespace PostFleet.Doctor.Checks;

/// <summary>
/// SmesherService on the private listener. <see cref="IsSmeshingStatus"/> is the gRPC status name of IsSmeshing
/// ("OK" when it answered), <see cref="Coinbase"/> the coinbase address ("" when unset, null when not asked).
/// </summary>
public sealed record SmeshingObservation(string? IsSmeshingStatus, bool? IsSmeshing, string? Coinbase, string? Error = null);

/// <summary>A 1:N node must be in remote mode (no local.key, smeshing-start false) and have a coinbase (spacemesh-node.md §4).</summary>
public static class SmeshingCheck
{
    public static IEnumerable<Finding> Evaluate(SmeshingObservation seen)
    {
        const string Subject = "node smeshing mode";
        if (seen.IsSmeshingStatus is null && seen.Coinbase is null)
        {
            yield return Finding.Warn(CheckNames.Smeshing, Subject, $"could not ask the node's SmesherService: {seen.Error}", "fix the private listener first (see the listener findings)");
            yield break;
        }

        switch (seen.IsSmeshingStatus)
        {
            case "FailedPrecondition":
                yield return Finding.Ok(CheckNames.Smeshing, Subject, "remote (1:N) mode: IsSmeshing answers FAILED_PRECONDITION, as it should");
                break;
            case "OK":
                yield return Finding.Error(CheckNames.Smeshing, Subject,
                    $"the node is in supervised mode (IsSmeshing answered {(seen.IsSmeshing == true ? "true" : "false")}): it runs its own post-service for a single local.key and will not prove the fleet's identities",
                    "stop the node, move identities/local.key away, put the fleet's keys in identities/, set smeshing.smeshing-start: false and start it again");
                break;
            case { } other:
                yield return Finding.Warn(CheckNames.Smeshing, Subject, $"IsSmeshing failed with {other}: {seen.Error}", "check the node's log; the private listener may be another program");
                break;
        }

        if (seen.Coinbase is null)
        {
            yield break;
        }

        yield return seen.Coinbase.Length == 0
            ? Finding.Error(CheckNames.Smeshing, "node coinbase",
                "no coinbase is set: the node does not start its ATX builder and refuses post-service connections",
                "set smeshing.smeshing-coinbase in the node's config (keep smeshing-start: false) and restart the node")
            : Finding.Ok(CheckNames.Smeshing, "node coinbase", $"coinbase {seen.Coinbase}");
    }
}
