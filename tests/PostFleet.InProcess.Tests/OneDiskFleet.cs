using PostFleet.Core.Configuration;

namespace PostFleet.InProcess.Tests;

/// <summary>A parsed config with the given services on one disk, each with its own operator port from <c>firstPort</c>.</summary>
internal static class OneDiskFleet
{
    public static FleetSpec Of(IReadOnlyList<string> services, int firstPort, string source)
    {
        var lines = string.Join("\n", services.Select((name, i) => $"          - {{ name: {name}, dir: disks/{name}, num-units: 2, operator: 127.0.0.1:{firstPort + i} }}"));
        var yaml = $$"""
            node:
              post-listener: http://127.0.0.1:9094
              public-listener: http://127.0.0.1:9092
              private-listener: http://127.0.0.1:9093
              data-dir: node_data
            post: { labels-per-unit: 1024, nonces: 16, min-num-units: 1 }
            disks:
              - name: d
                services:
            {{lines}}
            """;
        var result = FleetConfigLoader.Parse(yaml, Path.GetTempPath(), source);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        return result.Spec!;
    }
}
