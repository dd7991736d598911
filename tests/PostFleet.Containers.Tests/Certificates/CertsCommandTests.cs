using System.CommandLine;
using Microsoft.Extensions.Time.Testing;
using PostFleet.Cli.Commands;
using PostFleet.Testing;

namespace PostFleet.Containers.Tests.Certificates;

public sealed class CertsCommandTests
{
    [Fact]
    public void Certs_writes_the_bundle_prints_the_flags_and_refuses_a_second_run_without_force()
    {
        using var temp = new TempDirectory("pf-certs-cli");
        var dir = temp.Combine("tls");

        var (code, output, error) = Run("certs", "--out", dir, "--node-host", "10.1.2.3", "--clients", "id-01", "id-02", "--days", "10");
        Assert.True(code == 0, error);
        Assert.Contains($"\"grpc-tls-ca-cert\": \"{dir}/ca.pem\"", output, StringComparison.Ordinal);
        Assert.Contains($"--gprc-tls-ca-cert {dir}/ca.pem --grpc-tls-cert {dir}/node.pem --grpc-tls-key {dir}/node.key", output, StringComparison.Ordinal);
        Assert.Contains($"id-02: --address https://10.1.2.3:PORT --ca-cert {dir}/ca.pem --cert {dir}/client-id-02.pem --key {dir}/client-id-02.key", output, StringComparison.Ordinal);
        var written = Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.Equal<string>(["ca.key", "ca.pem", "client-id-01.key", "client-id-01.pem", "client-id-02.key", "client-id-02.pem", "node.key", "node.pem"], written);

        var caBefore = File.ReadAllText(Path.Combine(dir, "ca.key"));
        (code, _, error) = Run("certs", "--out", dir);
        Assert.Equal(1, code);
        Assert.Contains("refusing to overwrite", error, StringComparison.Ordinal);
        Assert.Equal(caBefore, File.ReadAllText(Path.Combine(dir, "ca.key")));

        (code, _, error) = Run("certs", "--out", dir, "--force");
        Assert.True(code == 0, error);
        Assert.NotEqual(caBefore, File.ReadAllText(Path.Combine(dir, "ca.key")));
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var root = new RootCommand { CertsCommand.Create(new FakeTimeProvider(TestBundle.Now)) };
        var output = new StringWriter();
        var error = new StringWriter();
        var code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
