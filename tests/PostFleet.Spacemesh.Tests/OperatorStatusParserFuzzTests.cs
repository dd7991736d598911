using System.Text;
using PostFleet.Core.Model;
using PostFleet.Spacemesh.Operator;

namespace PostFleet.Spacemesh.Tests;

/// <summary>
/// The /status parser against thousands of bodies: the three real ones with random values and random members a
/// newer service might add (they always parse to what they say), and random mutations of them and random bytes
/// (never an exception; a body that is not a known shape is Unrecognised, never a wrong known state).
/// </summary>
public sealed class OperatorStatusParserFuzzTests
{
    private const int Cases = 20_000;

    [Fact]
    public void Known_bodies_always_parse_whatever_members_are_added()
    {
        var random = new Random(1201);
        for (var i = 0; i < Cases; i++)
        {
            var (body, expected) = KnownBody(random);

            Assert.True(expected == OperatorStatusParser.Parse(body), $"case {i}: {body}");
        }
    }

    [Fact]
    public void Mutated_and_random_bodies_never_throw_and_never_pass_for_another_state()
    {
        var random = new Random(1202);
        var outcomes = new Dictionary<string, int>();
        for (var i = 0; i < Cases; i++)
        {
            var (seed, _) = KnownBody(random);
            var body = random.Next(4) == 0 ? RandomText(random) : Mutate(seed, random);
            var status = OperatorStatusParser.Parse(body);

            Assert.NotNull(status);
            Assert.IsNotType<ServiceStatus.Unreachable>(status);
            if (status is ServiceStatus.Unrecognised unrecognised)
            {
                Assert.True(unrecognised.Body.Length <= 203, $"case {i}: quoted body too long");
            }
            else
            {
                // A body read as a known state must name that state.
                Assert.Contains(status switch { ServiceStatus.Proving => "Proving", ServiceStatus.Idle => "Idle", _ => "DoneProving" }, body, StringComparison.Ordinal);
            }

            outcomes[status.GetType().Name] = outcomes.GetValueOrDefault(status.GetType().Name) + 1;
        }

        // The mutations reach both sides: some still parse, most do not.
        Assert.True(outcomes.GetValueOrDefault(nameof(ServiceStatus.Unrecognised)) > Cases / 4, string.Join(", ", outcomes));
        Assert.True(outcomes.Count >= 3, string.Join(", ", outcomes));
    }

    private static (string Body, ServiceStatus Expected) KnownBody(Random random)
    {
        switch (random.Next(3))
        {
            case 0:
                return random.Next(3) == 0 ? (Wrap("Idle", "null", random), new ServiceStatus.Idle()) : ("\"Idle\"", new ServiceStatus.Idle());
            case 1:
                return random.Next(3) == 0 ? (Wrap("DoneProving", "{}", random), new ServiceStatus.DoneProving()) : ("\"DoneProving\"", new ServiceStatus.DoneProving());
            default:
                var start = (ulong)random.Next(0, 256) * 16;
                var end = start + ((ulong)random.Next(1, 32) * 16);
                var position = random.Next(4) == 0 ? 0 : (ulong)random.NextInt64(0, long.MaxValue);
                var nonces = Members(random, ("start", start.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("end", end.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                var proving = Members(random, ("nonces", nonces), ("position", position.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                return (Wrap("Proving", proving, random), new ServiceStatus.Proving(start, end, position));
        }
    }

    /// <summary>The known members in random order, with up to three unknown ones a newer service might add.</summary>
    private static string Members(Random random, params (string Name, string Json)[] known)
    {
        var members = known.Select(k => $"\"{k.Name}\":{k.Json}").ToList();
        for (var extra = random.Next(4); extra > 0; extra--)
        {
            members.Insert(random.Next(members.Count + 1), $"\"{UnknownName(random)}\":{UnknownValue(random)}");
        }

        return "{" + string.Join(",", members) + "}";
    }

    private static string Wrap(string variant, string json, Random random) => Members(random, (variant, json));

    private static string UnknownName(Random random) => "x" + random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string UnknownValue(Random random) => random.Next(6) switch
    {
        0 => "null",
        1 => "true",
        2 => random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        3 => "\"text\"",
        4 => "[1,2,{\"a\":[]}]",
        _ => "{\"nested\":{\"deeper\":1}}",
    };

    private static string Mutate(string body, Random random)
    {
        var text = new StringBuilder(body);
        for (var n = random.Next(1, 4); n > 0 && text.Length > 0; n--)
        {
            var at = random.Next(text.Length);
            switch (random.Next(5))
            {
                case 0:
                    text.Remove(at, 1);
                    break;
                case 1:
                    text.Insert(at, "{}[]\":,-.0123456789eE\\ \u00e9\u0000"[random.Next(24)]);
                    break;
                case 2:
                    text[at] = (char)random.Next(32, 127);
                    break;
                case 3:
                    text.Length = at;
                    break;
                default:
                    text.Insert(at, new string('[', random.Next(1, 200)));
                    break;
            }
        }

        return text.ToString();
    }

    private static string RandomText(Random random)
    {
        var chars = new char[random.Next(0, 300)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)random.Next(0, 0x3000);
        }

        return new string(chars);
    }
}
