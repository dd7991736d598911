namespace PostFleet.Core.Tests.Configuration;

/// <summary><c>kubernetes.tls-secret</c>: the Secret that carries the mTLS files into the pods instead of hostPath files.</summary>
public sealed class KubernetesTlsSecretTests
{
    private static string WithSecret(string name, bool nodeTls = true)
    {
        var text = nodeTls
            ? ConfigText.Minimal.Replace("  data-dir: ../node_data", "  data-dir: ../node_data\n  tls: { ca-cert: tls/ca.pem, cert: tls/fleet.pem, key: tls/fleet.key }", StringComparison.Ordinal)
            : ConfigText.Minimal;
        // Pods bind a wildcard operator address and dial the node at an address they reach (AddressRulesTests).
        return text.Replace("operator: 127.0.0.1:", "operator: 0.0.0.0:", StringComparison.Ordinal) + $"\nruntime: kubernetes\nkubernetes:\n  node-address: https://node.spacemesh:9094\n  tls-secret: {name}";
    }

    [Theory]
    [InlineData("post-tls")]
    [InlineData("post.tls.v2")]
    [InlineData("1tls")]
    public void A_dns_subdomain_name_is_kept(string name)
    {
        var result = ConfigText.Load(WithSecret(name));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(name, result.Spec!.Kubernetes.TlsSecret);
    }

    [Fact]
    public void Without_the_key_there_is_no_secret()
    {
        var spec = ConfigText.Load(ConfigText.With("runtime: kubernetes\nkubernetes:\n  namespace: smeshing\n  host-network: true").Replace("operator: 127.0.0.1:", "operator: 0.0.0.0:", StringComparison.Ordinal)).Spec!;

        Assert.Null(spec.Kubernetes.TlsSecret);
    }

    [Theory]
    [InlineData("Post_TLS")]
    [InlineData("-post-tls")]
    [InlineData("post-tls.")]
    [InlineData("post..tls")]
    [InlineData("\"\"")]
    public void Any_other_name_is_an_error_at_its_key_with_the_fix(string name)
    {
        var error = ConfigText.SingleError(WithSecret(name));

        Assert.Equal("kubernetes.tls-secret", error.Path);
        Assert.Contains("lower-case letters, digits, '-' and '.'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_longer_than_253_characters_is_an_error()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 63), 4));

        var error = ConfigText.SingleError(WithSecret(name));

        Assert.Equal("kubernetes.tls-secret", error.Path);
    }

    [Fact]
    public void Without_node_tls_the_secret_is_an_error()
    {
        var error = ConfigText.SingleError(WithSecret("post-tls", nodeTls: false));

        Assert.Equal("kubernetes.tls-secret", error.Path);
        Assert.Contains("set node.tls", error.Message, StringComparison.Ordinal);
    }
}
