namespace PostFleet.Runtime.Docker;

/// <summary>
/// Adapts the post-service command line built for a local process to a container: the PoST folder (and, from a
/// Kubernetes Secret, the mTLS files) are mounted at fixed paths inside the container, so the values must name
/// those paths, not the host's.
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

    /// <summary>
    /// Returns <paramref name="arguments"/> with the values of <c>--ca-cert</c>, <c>--cert</c> and <c>--key</c>
    /// (as <c>--flag value</c> or <c>--flag=value</c>) replaced by the given paths. Nothing is appended: the
    /// arguments alone decide whether post-service uses mTLS.
    /// </summary>
    public static IReadOnlyList<string> WithTlsFiles(IReadOnlyList<string> arguments, string caCert, string cert, string key)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var paths = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["--ca-cert"] = caCert,
            ["--cert"] = cert,
            ["--key"] = key,
        };
        var result = new List<string>(arguments.Count);
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (paths.TryGetValue(argument, out var path) && i + 1 < arguments.Count)
            {
                result.Add(argument);
                result.Add(path);
                i++;
            }
            else if (equals > 0 && paths.TryGetValue(argument[..equals], out path))
            {
                result.Add(argument[..equals] + "=" + path);
            }
            else
            {
                result.Add(argument);
            }
        }

        return result;
    }
}
