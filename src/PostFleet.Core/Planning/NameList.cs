namespace PostFleet.Core.Planning;

/// <summary>
/// Names in a reason a person reads: the first few, then how many more. A waiting service's reason is stored each
/// time its text changes and sent to every dashboard; at a thousand identities a reason naming sixteen holders
/// changed with any of them, on hundreds of waiting services, every pass.
/// </summary>
internal static class NameList
{
    /// <summary>How many names a reason spells out before "and N more".</summary>
    public const int Shown = 3;

    public static string Brief(IEnumerable<string> names)
    {
        var list = names as IReadOnlyList<string> ?? [.. names];
        return list.Count <= Shown
            ? string.Join(", ", list)
            : $"{string.Join(", ", list.Take(Shown))} and {list.Count - Shown} more";
    }
}
