namespace PostFleet.Core.Init;

/// <summary>
/// How many postcli runs at once. Per disk: one, because two writers on one disk only thrash it. Global: one by
/// default like the demo's <c>maxActiveRuns: 1</c>, because each run saturates CPU (or the GPU) on its own.
/// </summary>
public sealed record InitCaps(int PerDisk, int Global)
{
    public static readonly InitCaps Default = new(1, 1);

    public IEnumerable<string> Validate()
    {
        if (PerDisk < 1)
        {
            yield return $"the per-disk cap must be at least 1, got {PerDisk}";
        }

        if (Global < 1)
        {
            yield return $"--max-parallel must be at least 1, got {Global}";
        }
    }
}
