using PostFleet.Testing;

namespace PostFleet.Containers.Tests;

/// <summary>The fleet the managed k2pow worker tests load: one service, a router, and two managed workers from <c>bind:port</c> on.</summary>
internal static class ManagedK2PowFleetYaml
{
    /// <param name="head">The fleet id, runtime and runtime section, each line unindented.</param>
    public static string With(string head, TempDirectory temp, string operatorAddress, int port, string? image, string bind)
    {
        var imageLine = image is null ? "" : $"    image: {image}\n";
        return $"""
            {head}
            node:
              post-listener: http://127.0.0.1:9094
              data-dir: {temp.Combine("node")}
            disks:
              - name: diskA
                services:
                  - name: diskA_post1
                    dir: {temp.Combine("post1")}
                    num-units: 4
                    operator: {operatorAddress}
            k2pow:
              listen: 127.0.0.1:{FreePorts.Next()}
              managed:
            {imageLine}    count: 2
                cores: 1
                listen: {bind}:{port}
            """;
    }
}
