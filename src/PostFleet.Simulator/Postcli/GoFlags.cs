using System.Globalization;
using System.Text;

namespace PostFleet.Simulator.Postcli;

/// <summary>
/// Go's <c>flag</c> package: <c>-flag value</c>, <c>-flag=value</c>, <c>--flag</c>; booleans only as <c>-yes</c> or
/// <c>-yes=true</c>; parsing stops at the first non-flag argument or <c>--</c>. Remembers which flags were set,
/// because postcli's validation depends on "was it passed" rather than on the value.
/// </summary>
public sealed class GoFlags(string program)
{
    public enum Kind
    {
        Bool,
        String,
        Uint,
        Uint64,
        Int,
        Float64,
    }

    private sealed record Definition(string Name, Kind Kind, string Default, string Usage);

    private readonly Dictionary<string, Definition> _definitions = [];
    private readonly Dictionary<string, string> _values = [];

    public void Define(string name, Kind kind, string defaultValue, string usage) => _definitions[name] = new Definition(name, kind, defaultValue, usage);

    public bool IsSet(string name) => _values.ContainsKey(name);

    public string String(string name) => _values.TryGetValue(name, out var value) ? value : _definitions[name].Default;

    public bool Bool(string name) => String(name) is "1" or "t" or "T" or "true" or "TRUE" or "True";

    public ulong UInt64(string name) => ulong.Parse(String(name), CultureInfo.InvariantCulture);

    public long Int(string name) => long.Parse(String(name), CultureInfo.InvariantCulture);

    public double Float(string name) => double.Parse(String(name), CultureInfo.InvariantCulture);

    /// <summary>Returns null on success, else the error text Go prints before the usage (exit 2); "help" for -h.</summary>
    public string? Parse(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.Length < 2 || arg[0] != '-')
            {
                return null;
            }

            var body = arg[1] == '-' ? arg[2..] : arg[1..];
            if (arg == "--")
            {
                return null;
            }

            if (body.Length == 0 || body[0] == '-' || body[0] == '=')
            {
                return $"bad flag syntax: {arg}";
            }

            var eq = body.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? body : body[..eq];
            string? value = eq < 0 ? null : body[(eq + 1)..];
            if (!_definitions.TryGetValue(name, out var definition))
            {
                return name is "h" or "help" ? "help" : $"flag provided but not defined: -{name}";
            }

            if (definition.Kind == Kind.Bool)
            {
                value ??= "true";
                if (!IsGoBool(value))
                {
                    return $"invalid boolean value \"{value}\" for -{name}: parse error";
                }
            }
            else if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    return $"flag needs an argument: -{name}";
                }

                value = args[++i];
            }

            if (!IsValid(definition.Kind, value))
            {
                return $"invalid value \"{value}\" for flag -{name}: parse error";
            }

            _values[name] = value;
        }

        return null;
    }

    /// <summary>Go's PrintDefaults, sorted by name, preceded by "Usage of program:".</summary>
    public string Usage()
    {
        var text = new StringBuilder($"Usage of {program}:\n");
        foreach (var definition in _definitions.Values.OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            var type = definition.Kind switch
            {
                Kind.Bool => "",
                Kind.String => " string",
                Kind.Uint => " uint",
                Kind.Uint64 => " uint",
                Kind.Int => " int",
                _ => " float",
            };
            text.Append(CultureInfo.InvariantCulture, $"  -{definition.Name}{type}\n    \t{definition.Usage}");
            if (definition.Default is not ("" or "0" or "false"))
            {
                text.Append(definition.Kind == Kind.String ? $" (default \"{definition.Default}\")" : $" (default {definition.Default})");
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private static bool IsGoBool(string value) => value is "1" or "0" or "t" or "f" or "T" or "F" or "true" or "false" or "TRUE" or "FALSE" or "True" or "False";

    private static bool IsValid(Kind kind, string value) => kind switch
    {
        Kind.Uint => uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _),
        Kind.Uint64 => ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _),
        Kind.Int => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
        Kind.Float64 => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
        _ => true,
    };
}
