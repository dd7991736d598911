using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace PostFleet.Core.Configuration;

/// <summary>Collects every config error of one load, in the order found.</summary>
internal sealed class ErrorSink
{
    private readonly List<ConfigError> _errors = [];

    public IReadOnlyList<ConfigError> Errors => _errors;

    public void Add(string path, string message) => _errors.Add(new ConfigError(path, message));
}

/// <summary>
/// One YAML mapping of the config, read key by key. Every reader reports its problem to the sink and returns
/// null instead of throwing, so one load finds every error. Unknown keys are reported when the map is opened,
/// with the nearest known key as a hint (a typo is the usual cause).
/// </summary>
internal sealed class YamlMap
{
    private readonly Dictionary<string, YamlNode> _entries = new(StringComparer.Ordinal);
    private readonly ErrorSink _errors;

    private YamlMap(string path, ErrorSink errors, bool present)
    {
        Path = path;
        _errors = errors;
        IsPresent = present;
    }

    public string Path { get; }

    /// <summary>False when the section was left out (or is empty): every key then takes its default.</summary>
    public bool IsPresent { get; }

    public static YamlMap Open(YamlNode? node, string path, ErrorSink errors, IReadOnlyList<string> knownKeys)
    {
        if (node is null || IsNull(node))
        {
            return new YamlMap(path, errors, present: false);
        }

        if (node is not YamlMappingNode mapping)
        {
            errors.Add(path, $"expected a mapping of keys ({string.Join(", ", knownKeys)}), got {Describe(node)}");
            return new YamlMap(path, errors, present: false);
        }

        var map = new YamlMap(path, errors, present: true);
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (!knownKeys.Contains(key))
            {
                var nearest = Nearest(key, knownKeys);
                errors.Add(
                    Join(path, key),
                    nearest is null
                        ? $"unknown key; known keys here: {string.Join(", ", knownKeys)}"
                        : $"unknown key; did you mean '{nearest}'?");
                continue;
            }

            map._entries[key] = value;
        }

        return map;
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    public string KeyPath(string key) => Join(Path, key);

    public YamlNode? Node(string key) => _entries.TryGetValue(key, out var node) && !IsNull(node) ? node : null;

    public YamlMap Map(string key, IReadOnlyList<string> knownKeys) => Open(Node(key), KeyPath(key), _errors, knownKeys);

    public void Error(string key, string message) => _errors.Add(KeyPath(key), message);

    /// <summary>The sink this map reports to, for maps opened from list items.</summary>
    public ErrorSink Errors => _errors;

    /// <summary>A mapping whose keys are free (labels, disk names): its entries in order; empty when missing.</summary>
    public IReadOnlyList<(string Key, YamlNode Value)> FreeMap(string key)
    {
        var node = Node(key);
        switch (node)
        {
            case null:
                return [];
            case YamlMappingNode mapping:
                return [.. mapping.Children.Select(c => ((c.Key as YamlScalarNode)?.Value ?? "", c.Value))];
            default:
                Error(key, $"expected a mapping, got {Describe(node)}");
                return [];
        }
    }

    /// <summary>A scalar's text, or null when missing. <paramref name="required"/> says how to fix a missing key.</summary>
    public string? String(string key, string? required = null)
    {
        var node = Node(key);
        if (node is null)
        {
            if (required is not null)
            {
                Error(key, $"missing; {required}");
            }

            return null;
        }

        if (node is not YamlScalarNode scalar)
        {
            Error(key, $"expected a single value, got {Describe(node)}");
            return null;
        }

        if (scalar.Value!.Contains('\0', StringComparison.Ordinal))
        {
            // YAML can carry one ("\0"); no path, name or address can, and .NET path calls throw on it.
            Error(key, "contains a NUL character (\\0); remove it");
            return null;
        }

        return scalar.Value.Trim();
    }

    public long? Integer(string key, long min, long max, string? required = null)
    {
        var text = String(key, required);
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(key, $"expected a whole number, got '{text}'");
            return null;
        }

        if (value < min || value > max)
        {
            Error(key, max == long.MaxValue ? $"{value} is too small; use a whole number ≥ {min}" : $"{value} is out of range; use a whole number from {min} to {max}");
            return null;
        }

        return value;
    }

    public ulong? Unsigned(string key, ulong min, ulong max)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            Error(key, $"expected a whole number ≥ {min}, got '{text}'");
            return null;
        }

        if (value < min || value > max)
        {
            Error(key, $"{value} is out of range; use a whole number from {min} to {max}");
            return null;
        }

        return value;
    }

    public TimeSpan? Duration(string key, bool allowZero = true, string? required = null, string examples = "90s, 10m, 1h30m or 250ms")
    {
        var text = String(key, required);
        if (text is null)
        {
            return null;
        }

        if (!Durations.TryParse(text, out var duration))
        {
            Error(key, $"'{text}' is not a duration; write it like {examples}");
            return null;
        }

        if (!allowZero && duration == TimeSpan.Zero)
        {
            Error(key, "must be longer than 0; write it like 10s");
            return null;
        }

        return duration;
    }

    /// <summary>A list's items; a single scalar is taken as a list of one (<c>after: diskC_post2</c>).</summary>
    public IReadOnlyList<YamlNode>? List(string key, string? required = null)
    {
        var node = Node(key);
        switch (node)
        {
            case null:
                if (required is not null)
                {
                    Error(key, $"missing; {required}");
                }

                return null;
            case YamlSequenceNode sequence:
                return [.. sequence.Children];
            case YamlScalarNode:
                return [node];
            default:
                Error(key, $"expected a list, got {Describe(node)}");
                return null;
        }
    }

    /// <summary>One of a fixed set of words, compared case-insensitively.</summary>
    public string? OneOf(string key, IReadOnlyList<string> allowed)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        var match = allowed.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            Error(key, $"'{text}' is not allowed; use one of: {string.Join(", ", allowed)}");
        }

        return match;
    }

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => $"'{s.Value}'",
        _ => "something else",
    };

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>The known key closest to a typo, if it is close enough to be the likely intent.</summary>
    internal static string? Nearest(string typo, IEnumerable<string> known)
    {
        var best = known
            .Select(k => (Key: k, Distance: EditDistance(typo.ToLowerInvariant(), k)))
            .OrderBy(x => x.Distance)
            .FirstOrDefault();
        return best.Key is not null && best.Distance <= Math.Max(2, best.Key.Length * 2 / 5) && best.Distance < Math.Min(typo.Length, best.Key.Length)
            ? best.Key
            : null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
