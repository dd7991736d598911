namespace PostFleet.Runtime.Docker;

/// <summary>
/// Adapts the post-service command line built for a local process to a container: the PoST folder is mounted at
/// a fixed path inside the container, so the <c>--dir</c> value must name that path, not the host's.
/// </summary>
public static class PostServiceArguments
{
    /// <summary>Returns <paramref name="arguments"/> with every <c>--dir</c>/<c>-d</c> value replaced by <paramref name="mountPath"/>, appending one if none is given.</summary>
    public static IReadOnlyList<string> WithDir(IReadOnlyList<string> arguments, string mountPath)
    {
        var result = new List<string>(arguments.Count + 2);
        var found = false;
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            if (argument is "--dir" or "-d" && i + 1 < arguments.Count)
            {
                result.Add(argument);
                result.Add(mountPath);
                i++;
                found = true;
            }
            else if (argument.StartsWith("--dir=", StringComparison.Ordinal))
            {
                result.Add("--dir=" + mountPath);
                found = true;
            }
            else
            {
                result.Add(argument);
            }
        }

        if (!found)
        {
            result.Add("--dir");
            result.Add(mountPath);
        }

        return result;
    }
}
