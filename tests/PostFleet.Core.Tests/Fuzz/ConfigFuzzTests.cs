using PostFleet.Core.Configuration;
using PostFleet.Core.Tests.Configuration;
using YamlDotNet.RepresentationModel;

namespace PostFleet.Core.Tests.Fuzz;

/// <summary>
/// The YAML loader on random mutations of valid configs (fixed seeds; a failure names the seed, the case and the
/// text): keys deleted, duplicated and retyped, random scalars, truncations and byte damage. Whatever the input,
/// the loader answers with a result (never an exception), and every error of a document that is a mapping names
/// its key path and says something.
/// </summary>
public sealed class ConfigFuzzTests
{
    /// <summary>Per seed: tree mutations (1 to 3 each) and text mutations.</summary>
    public const int TreeCases = 1500;

    public const int TextCases = 1000;

    private static readonly string[] Scalars =
    [
        "", "0", "-1", "1", "65536", "99999999999999999999", "1e309", "-0", "NaN", ".inf", "~", "null", "true", "no",
        "0x10", "1h1h", "-5m", "0s", "10", "5m", "1.5", "../../../etc/passwd", "/", "\u0000", "\t", "[", "{", "*",
        "&a", "!!binary AAAA", "ÿþ", "名前", new string('x', 3000), "127.0.0.1:0", "::1", "[::1]:8080", "http://", "https://a:1",
        "0.0.0.0:8080", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "diskA", "diskA_post1", "a b",
        "docker", "kubernetes", "process", "stop-all", "leave-running", "generic", "slack", "telegram", "-1001",
    ];

    private static readonly string Demo = File.ReadAllText(Path.Combine(RepoRoot(), "examples", "demo", "postfleet.yaml"));

    // Every section the loader reads, so mutations reach each reader.
    private static readonly string Full = ConfigText.Minimal + """

        post: { labels-per-unit: 1024, scrypt-n: 16, k1: 12, k2: 20, nonces: 16, threads: 1, provider: 0, randomx-mode: light }
        runtime: docker
        docker: { image: spacemeshos/post-service:v0.8.0, network: host, request-timeout: 10s, labels: { team: a } }
        kubernetes: { namespace: smesh, image: img:1, disks: { diskA: { node: n1, claim: c1, mount-root: /mnt/a } } }
        schedule: { per-disk: 1, max-pow: 2, max-running: 0, stop-grace: 10s, restart-backoff: { initial: 1s, max: 1m }, on-shutdown: stop-all }
        alerts:
          webhooks:
            - { url: "https://hooks.example/SECRET", kind: telegram, chat-id: -1001, min-severity: critical }
          crash-loop-restarts: 3
          predicted-miss: true
        api: { listen: 127.0.0.1:8080, token-file: token, allowed-hosts: [fleet.example.org, "proxy.example:8443"] }
        history: { path: h.db, retention: 30d }
        state-dir: state
        """;

    public static TheoryData<int, string> Seeds => new()
    {
        { 1, "demo" }, { 2, "demo" }, { 3, "full" }, { 4, "full" }, { 5, "minimal" },
    };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Tree_mutations_never_throw_and_every_error_names_its_path(int seed, string baseConfig)
    {
        var random = new Random(seed);
        var source = Base(baseConfig);
        Assert.True(ConfigText.Load(source).IsValid, string.Join("; ", ConfigText.Load(source).Errors));
        var invalid = 0;
        for (var i = 0; i < TreeCases; i++)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(source));
            var root = (YamlMappingNode)stream.Documents[0].RootNode;
            var mutations = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Mutate(root, random)).ToList();
            var writer = new StringWriter();
            stream.Save(writer, assignAnchors: false);
            var text = writer.ToString();

            var result = Load(text, seed, i);
            if (result.IsValid)
            {
                continue;
            }

            invalid++;
            var known = ConfigKeys.Root.Concat(root.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "")).ToHashSet(StringComparer.Ordinal);
            foreach (var error in result.Errors)
            {
                var where = $"seed {seed}, case {i} ({string.Join("; ", mutations)}): {error}\n{Excerpt(text)}";
                Assert.False(string.IsNullOrWhiteSpace(error.Message), where);
                if (root.Children.Count == 0 || !IsYaml(text))
                {
                    // Whole-file problems: an empty mapping, or a scalar the writer left unquoted ("[", "*") so the
                    // text no longer parses; the message then says where in the file.
                    Assert.True(root.Children.Count == 0 || error.Message.Contains("line", StringComparison.Ordinal), where);
                    continue;
                }

                Assert.True(error.Path.Length > 0, "no path: " + where);
                Assert.Contains(error.Path.Split('.', '[')[0], known);
                Assert.DoesNotContain("Exception", error.Message, StringComparison.Ordinal);
            }
        }

        // A fuzzer whose mutations were all harmless would prove nothing.
        Assert.True(invalid > TreeCases / 3, $"only {invalid} of {TreeCases} mutated configs were invalid");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Text_damage_never_throws_and_always_says_what_is_wrong(int seed, string baseConfig)
    {
        var random = new Random(seed * 7919);
        var source = Base(baseConfig);
        for (var i = 0; i < TextCases; i++)
        {
            var (text, how) = Damage(source, random);
            var result = Load(text, seed, i);
            Assert.True(result.IsValid || (result.Errors.Length > 0 && result.Errors.All(e => e.Message.Length > 0)),
                $"seed {seed}, case {i} ({how}): no errors and no spec");
        }
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PostFleet.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("PostFleet.slnx not found above " + AppContext.BaseDirectory);
    }

    private static string Base(string name) => name switch
    {
        "demo" => Demo,
        "full" => Full,
        _ => ConfigText.Minimal,
    };

    private static ConfigLoadResult Load(string text, int seed, int i)
    {
        try
        {
            return FleetConfigLoader.Parse(text, ConfigText.Dir, "fuzz.yaml");
        }
        catch (Exception ex)
        {
            Assert.Fail($"seed {seed}, case {i}: the loader threw {ex}\n--- config ---\n{text}");
            throw;
        }
    }

    private static bool IsYaml(string text)
    {
        try
        {
            new YamlStream().Load(new StringReader(text));
            return true;
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return false;
        }
    }

    private static string Excerpt(string text) => text.Length <= 2000 ? text : text[..2000] + "…";

    /// <summary>One structural mutation somewhere in the tree; returns what it did.</summary>
    private static string Mutate(YamlMappingNode root, Random random)
    {
        var places = new List<(YamlNode Parent, YamlNode Key, string Path)>();
        Collect(root, "", places);
        if (places.Count == 0)
        {
            return "nothing to mutate";
        }

        var (parent, key, path) = places[random.Next(places.Count)];
        var value = Get(parent, key);
        switch (random.Next(7))
        {
            case 0:
                Remove(parent, key);
                return $"deleted {path}";
            case 1:
                Set(parent, key, new YamlScalarNode(Scalars[random.Next(Scalars.Length)]));
                return $"scalar at {path}";
            case 2:
                Set(parent, key, value is YamlMappingNode ? new YamlSequenceNode(value) : new YamlMappingNode(new YamlScalarNode("x"), value));
                return $"retyped {path}";
            case 3:
                Set(parent, key, new YamlSequenceNode());
                return $"empty list at {path}";
            case 4 when parent is YamlMappingNode map:
                // The same value under a misspelt or foreign key.
                var name = (key as YamlScalarNode)?.Value ?? "k";
                var typo = random.Next(2) == 0 ? name + "s" : name[..Math.Max(1, name.Length - 1)];
                if (!map.Children.ContainsKey(new YamlScalarNode(typo)))
                {
                    map.Add(typo, value);
                }

                return $"added {typo} beside {path}";
            case 5 when parent is YamlSequenceNode list:
                list.Add(value);
                return $"duplicated item {path}";
            default:
                Set(parent, key, new YamlScalarNode(random.Next(-5, 100000).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                return $"number at {path}";
        }
    }

    private static void Collect(YamlNode node, string path, List<(YamlNode, YamlNode, string)> places)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                {
                    var keyPath = path.Length == 0 ? ((YamlScalarNode)key).Value! : $"{path}.{((YamlScalarNode)key).Value}";
                    places.Add((map, key, keyPath));
                    Collect(value, keyPath, places);
                }

                break;
            case YamlSequenceNode list:
                for (var i = 0; i < list.Children.Count; i++)
                {
                    places.Add((list, new YamlScalarNode(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), $"{path}[{i}]"));
                    Collect(list.Children[i], $"{path}[{i}]", places);
                }

                break;
        }
    }

    private static YamlNode Get(YamlNode parent, YamlNode key) => parent switch
    {
        YamlMappingNode map => map.Children[key],
        YamlSequenceNode list => list.Children[int.Parse(((YamlScalarNode)key).Value!, System.Globalization.CultureInfo.InvariantCulture)],
        _ => throw new InvalidOperationException(),
    };

    private static void Set(YamlNode parent, YamlNode key, YamlNode value)
    {
        if (parent is YamlMappingNode map)
        {
            map.Children[key] = value;
        }
        else if (parent is YamlSequenceNode list && Index(key) < list.Children.Count)
        {
            list.Children[Index(key)] = value;
        }
    }

    private static void Remove(YamlNode parent, YamlNode key)
    {
        if (parent is YamlMappingNode map)
        {
            map.Children.Remove(key);
        }
        else if (parent is YamlSequenceNode list && Index(key) < list.Children.Count)
        {
            list.Children.RemoveAt(Index(key));
        }
    }

    private static int Index(YamlNode key) => int.Parse(((YamlScalarNode)key).Value!, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Text-level damage: truncation, a duplicated or dropped line, a byte changed or inserted.</summary>
    private static (string Text, string How) Damage(string source, Random random)
    {
        var lines = source.Split('\n').ToList();
        switch (random.Next(6))
        {
            case 0:
                var cut = random.Next(source.Length);
                return (source[..cut], $"truncated at {cut}");
            case 1:
                var dup = random.Next(lines.Count);
                lines.Insert(dup, lines[dup]);
                return (string.Join('\n', lines), $"duplicated line {dup + 1}");
            case 2:
                var drop = random.Next(lines.Count);
                lines.RemoveAt(drop);
                return (string.Join('\n', lines), $"dropped line {drop + 1}");
            case 3:
                var at = random.Next(source.Length);
                var with = "\t:-[]{}&*!|>'\"%@`#,?\0\u00ff\ud800"[random.Next(19)];
                return (source[..at] + with + source[(at + 1)..], $"byte {at} -> U+{(int)with:X4}");
            case 4:
                var insert = random.Next(source.Length);
                return (source[..insert] + Scalars[random.Next(Scalars.Length)] + source[insert..], $"inserted at {insert}");
            default:
                var indent = random.Next(lines.Count);
                lines[indent] = new string(' ', random.Next(0, 9)) + lines[indent].TrimStart();
                return (string.Join('\n', lines), $"re-indented line {indent + 1}");
        }
    }
}

/// <summary>The inputs the fuzzer found crashing the loader, kept as plain cases.</summary>
public sealed class ConfigFuzzRegressionTests
{
    [Fact]
    public void A_nul_escape_in_a_path_is_an_error_at_its_key_not_an_ArgumentException()
    {
        var error = ConfigText.SingleError(ConfigText.Minimal.Replace("dir: ../post/diskA_post1", "dir: \"\\0\"", StringComparison.Ordinal));
        Assert.Equal(new ConfigError("disks[0].services[0].dir", "contains a NUL character (\\0); remove it"), error);
    }

    [Theory]
    [InlineData('\0')]
    [InlineData('\u0001')]
    [InlineData('\ud800')]
    [InlineData('\udc00')]
    [InlineData('\uffff')]
    public void A_raw_control_or_broken_character_is_refused_with_its_place(char bad)
    {
        var text = ConfigText.Minimal.Replace("num-units: 8", "num-units: 8" + bad, StringComparison.Ordinal);
        var error = ConfigText.SingleError(text);
        Assert.Equal("", error.Path);
        var line = text[..text.IndexOf("num-units: 8", StringComparison.Ordinal)].Count(c => c == '\n') + 1;
        Assert.StartsWith($"line {line}, column ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"U+{(int)bad:X4} is not allowed in YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_surrogate_pair_is_a_character_like_any_other()
    {
        Assert.True(ConfigText.Load(ConfigText.Minimal + "\n# note 🚀\n").IsValid);
    }
}
