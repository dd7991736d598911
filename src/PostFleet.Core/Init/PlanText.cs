using System.Globalization;

namespace PostFleet.Core.Init;

/// <summary>The plan as the user reads it (--dry-run, and the header of a real run).</summary>
public static class PlanText
{
    public static IEnumerable<string> Lines(InitPlan plan, string commitmentSource, string identitiesDirectory)
    {
        var inv = CultureInfo.InvariantCulture;
        yield return $"commitment ATX {plan.Commitment.Hex} (from {commitmentSource})";
        yield return string.Create(inv, $"caps: {plan.Caps.PerDisk} postcli run per disk at a time, {plan.Caps.Global} at a time overall (--max-parallel); disks in parallel where the caps allow");
        yield return $"{plan.Identities.Length} identities, {plan.ToRun.Count()} to run, {ProgressMath.Bytes(plan.BytesNeeded)} ({plan.BytesNeeded} bytes) still to write";
        foreach (var disk in plan.Identities.GroupBy(i => i.Service.Disk))
        {
            yield return $"  {disk.Key}: " + string.Join(" -> ", disk.Select(Describe));
        }

        yield return "postcli command lines (in this order on each disk):";
        foreach (var identity in plan.ToRun)
        {
            yield return "  " + PostcliArguments.ToShellLine(plan.PostcliBinary, identity.PostcliArguments);
        }

        yield return $"then each identity.key is copied to {identitiesDirectory}/<name>.key (mode 0600), never over an existing file";
        if (plan.MoveLocalKey)
        {
            yield return $"local.key in {identitiesDirectory} is moved to local.key.bak-<time> before the first key is added";
        }
    }

    private static string Describe(IdentityPlan identity)
    {
        var action = identity.Action switch
        {
            IdentityInitAction.Initialize => "new",
            IdentityInitAction.Resume => $"resume at {ProgressMath.Bytes(identity.BytesWritten)}",
            _ => "complete, skip",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{identity.Name} ({identity.Service.NumUnits} SU, {action}, needs {ProgressMath.Bytes(identity.BytesNeeded)})");
    }
}
