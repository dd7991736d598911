using PostFleet.Core.Model;
using PostFleet.Core.Planning;
using PostFleet.Core.Tests.Planning;

namespace PostFleet.Core.Tests.Fuzz;

/// <summary>
/// The planner on snapshots built from odd node answers (fixed seeds): identities the node stopped listing (the
/// adapter leaves out rows with UNUSED or unknown states and empty names), extra and empty names, one id under two
/// names, events for ids no service has or with no time. It never throws, the safety rules still hold, and a
/// service whose identity is not listed is neither started nor stopped unless the user forced the stop.
/// </summary>
public sealed class OddNodeSnapshotTests
{
    public const int CasesPerSeed = 2000;

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Odd_identities_never_make_the_planner_touch_a_service_it_should_not(int seed)
    {
        var random = new Random(seed);
        var unlistedRunning = 0;
        for (var i = 0; i < CasesPerSeed; i++)
        {
            var input = RandomCase.Draw(random);
            var identities = input.Snapshot.Identities.ToDictionary(kv => kv.Key, kv => kv.Value);
            var services = input.Spec.Services.Select(s => s.Name).ToList();
            var unlisted = services.Where(_ => random.NextDouble() < 0.3).ToHashSet(StringComparer.Ordinal);
            foreach (var name in unlisted)
            {
                identities.Remove(name);
            }

            identities[""] = new IdentityState("", Fleet.IdOf("empty"), NodePostState.Proving);
            identities["ghost"] = new IdentityState("ghost", Fleet.IdOf("ghost"), random.Next(2) == 0 ? NodePostState.Proving : NodePostState.Idle);
            var listed = services.Where(identities.ContainsKey).ToList();
            if (listed.Count >= 2)
            {
                // One id under two names.
                var (a, b) = (listed[random.Next(listed.Count)], listed[random.Next(listed.Count)]);
                identities[b] = identities[b] with { Id = identities[a].Id };
            }

            List<NodeEvent> events =
            [
                .. input.Snapshot.NewEvents,
                new NodeEvent.PostStarted(DateTimeOffset.UnixEpoch, Fleet.IdOf("stranger"), ""),
                new NodeEvent.PostFailed(input.Now, Fleet.IdOf("stranger"), ""),
                new NodeEvent.Other(DateTimeOffset.UnixEpoch, "unknown", ""),
            ];
            var odd = input with { Snapshot = input.Snapshot with { Identities = identities, NewEvents = events } };

            Plan plan;
            try
            {
                plan = Planner.Decide(odd.Spec, odd.Snapshot, odd.Memory, odd.Now);
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed}, case {i}: the planner threw {ex}");
                throw;
            }

            var where = $"seed {seed}, case {i}: {string.Join(", ", plan.Actions)}";
            Assert.DoesNotContain(plan.Actions, a => !services.Contains(a.ServiceName) && a is not PlannedAction.ForgetRun);
            foreach (var name in unlisted)
            {
                unlistedRunning += odd.Snapshot.LiveRun(name) is not null ? 1 : 0;
                Assert.False(plan.Actions.Any(a => a is PlannedAction.StartService && a.ServiceName == name), $"started {name}, which the node does not list; {where}");
                Assert.False(plan.Actions.Any(a => a is PlannedAction.StopService { Force: false } && a.ServiceName == name), $"stopped {name}, which the node does not list; {where}");
            }
        }

        Assert.True(unlistedRunning > CasesPerSeed / 10, $"only {unlistedRunning} running services lost their identity row: the property was hardly exercised");
    }
}
