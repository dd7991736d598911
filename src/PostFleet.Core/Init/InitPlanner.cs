using System.Collections.Immutable;
using PostFleet.Core.Configuration;

namespace PostFleet.Core.Init;

/// <summary>What the planner is given: the config and the selection, plus read-only observations of the machine.</summary>
public sealed record InitObservations(
    IReadOnlyDictionary<string, PostDataObservation> Data,
    NodeIdentitiesObservation NodeIdentities,
    IReadOnlyDictionary<string, VolumeSpace> Space,
    IReadOnlyList<InitProblem> EnvironmentProblems);

/// <summary>
/// Turns the config and what is on disk into an <see cref="InitPlan"/>. Pure: every observation is passed in, so
/// each refusal rule is tested without touching a disk.
/// </summary>
public static class InitPlanner
{
    public static InitPlan Plan(
        FleetSpec fleet,
        IReadOnlyList<ServiceSpec> selected,
        CommitmentAtx commitment,
        InitCaps caps,
        bool removeLocalKey,
        InitObservations observed)
    {
        var problems = new List<InitProblem>(observed.EnvironmentProblems);
        problems.AddRange(caps.Validate().Select(message => new InitProblem(InitProblemKind.InvalidOption, "--max-parallel", message)));

        var identities = ImmutableArray.CreateBuilder<IdentityPlan>();
        foreach (var service in selected)
        {
            var layout = PostDataLayout.Create(service.NumUnits, fleet.Post.LabelsPerUnit, fleet.Post.MaxFileSize);
            var data = observed.Data.TryGetValue(service.Name, out var seen) ? seen : PostDataObservation.Missing(service.DataDir);

            var dataProblems = DataDirRules.Check(service.Name, data, layout, commitment);
            problems.AddRange(dataProblems);
            problems.AddRange(NodeKeyRules.Check(service.Name, data.IdentityKey, observed.NodeIdentities));

            var action = data.IsEmpty
                ? IdentityInitAction.Initialize
                : dataProblems.Count == 0 && CompletionRules.Verify(data, layout, commitment).Count == 0
                    ? IdentityInitAction.AlreadyComplete
                    : IdentityInitAction.Resume;
            identities.Add(new IdentityPlan(service, layout, action, data.BytesWritten, PostcliArguments.Build(fleet.Post, service, commitment)));
        }

        if (NodeKeyRules.CheckLocalKey(observed.NodeIdentities, removeLocalKey) is { } localKey)
        {
            problems.Add(localKey);
        }

        var plan = new InitPlan(identities.ToImmutable(), caps, commitment, fleet.Post.PostcliBinary,
            removeLocalKey && observed.NodeIdentities.HasLocalKey, []);
        problems.AddRange(SpaceProblems(plan, observed.Space));
        return plan with { Problems = [.. problems] };
    }

    /// <summary>
    /// Several data folders can share one filesystem, so the bytes still needed are summed per filesystem before they
    /// are compared with its free space.
    /// </summary>
    private static IEnumerable<InitProblem> SpaceProblems(InitPlan plan, IReadOnlyDictionary<string, VolumeSpace> space)
    {
        var byVolume = plan.ToRun
            .Where(i => space.ContainsKey(i.Name))
            .GroupBy(i => space[i.Name].VolumeId, StringComparer.Ordinal);
        foreach (var volume in byVolume)
        {
            var needed = volume.Aggregate(0UL, (sum, i) => sum + i.BytesNeeded);
            var available = space[volume.First().Name].AvailableBytes;
            if (needed > available)
            {
                var names = string.Join(", ", volume.Select(i => $"{i.Name} {ProgressMath.Bytes(i.BytesNeeded)}"));
                yield return new InitProblem(InitProblemKind.NotEnoughSpace, volume.Key,
                    $"has {ProgressMath.Bytes(available)} ({available} bytes) free, but {names} still need {ProgressMath.Bytes(needed)} ({needed} bytes); free {needed - available} bytes or lower num-units.");
            }
        }
    }
}
