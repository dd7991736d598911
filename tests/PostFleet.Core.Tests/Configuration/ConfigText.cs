using PostFleet.Core.Configuration;

namespace PostFleet.Core.Tests.Configuration;

/// <summary>Small valid configs to break one key at a time.</summary>
internal static class ConfigText
{
    public const string Dir = "/srv/fleet/conf";

    public const string Minimal = """
        node:
          post-listener: http://127.0.0.1:9094
          data-dir: ../node_data
        disks:
          - name: diskA
            services:
              - { name: diskA_post1, dir: ../post/diskA_post1, num-units: 4, operator: 127.0.0.1:10051 }
              - { name: diskA_post2, dir: ../post/diskA_post2, num-units: 8, operator: 127.0.0.1:10052 }
          - name: diskB
            services:
              - { name: diskB_post1, dir: ../post/diskB_post1, num-units: 4, operator: 127.0.0.1:10053, after: [diskA_post2] }
        """;

    public static ConfigLoadResult Load(string yaml) => FleetConfigLoader.Parse(yaml, Dir, "test.yaml");

    public static ConfigError SingleError(string yaml)
    {
        var result = Load(yaml);
        Assert.False(result.IsValid);
        return Assert.Single(result.Errors);
    }

    /// <summary>The minimal config with one section appended (or replaced, for top-level keys it already has).</summary>
    public static string With(string extra) => Minimal + "\n" + extra;
}
