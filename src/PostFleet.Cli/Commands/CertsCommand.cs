using System.CommandLine;
using PostFleet.Security;

namespace PostFleet.Cli.Commands;

/// <summary>
/// `postfleet certs`: the mTLS material for the node's TLS listener and the post-services, plus the exact node
/// keys and post-service flags that use it.
/// </summary>
internal static class CertsCommand
{
    public static Command Create(TimeProvider? time = null)
    {
        var outDir = new Option<string>("--out") { Description = "Folder for the files (created with mode 0700)", Required = true };
        var nodeHosts = new Option<string[]>("--node-host")
        {
            Description = "Host name or IP address the post-services dial (a SAN of node.pem); repeat for more",
            DefaultValueFactory = _ => ["127.0.0.1", "localhost"],
            AllowMultipleArgumentsPerToken = true,
        };
        var clients = new Option<string[]>("--clients")
        {
            Description = "One client certificate per name (client-NAME.pem/.key), e.g. one per post-service",
            DefaultValueFactory = _ => ["post-service"],
            AllowMultipleArgumentsPerToken = true,
        };
        var days = new Option<int>("--days") { Description = "Validity in days", DefaultValueFactory = _ => 825 };
        var force = new Option<bool>("--force") { Description = "Replace existing files (they are never overwritten otherwise)" };

        var command = new Command("certs", "Create a CA, the node's TLS server certificate and post-service client certificates (ECDSA P-256)")
        {
            outDir, nodeHosts, clients, days, force,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var request = new MtlsBundleRequest(
                parse.GetRequiredValue(outDir),
                [.. parse.GetRequiredValue(nodeHosts)],
                [.. parse.GetRequiredValue(clients)],
                parse.GetValue(days),
                parse.GetValue(force));
            try
            {
                var files = new MtlsBundleWriter(time ?? TimeProvider.System).Write(request);
                PrintUsage(output, files, request.NodeHosts[0]);
                return 0;
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine("postfleet certs: " + ex.Message);
                return 1;
            }
        });
        return command;
    }

    private static void PrintUsage(TextWriter output, MtlsBundleFiles files, string host)
    {
        output.WriteLine($"wrote {files.All.Count()} files to {files.Directory} (keys 0600, folder 0700)");
        output.WriteLine();
        output.WriteLine("go-spacemesh node, \"api\" section of its JSON config:");
        output.WriteLine("  \"grpc-tls-listener\": \"0.0.0.0:PORT\",");
        output.WriteLine($"  \"grpc-tls-ca-cert\": \"{files.CaCert}\",");
        output.WriteLine($"  \"grpc-tls-cert\": \"{files.NodeCert}\",");
        output.WriteLine($"  \"grpc-tls-key\": \"{files.NodeKey}\"");
        output.WriteLine("or as flags (the CA flag really is spelled 'gprc'):");
        output.WriteLine($"  --grpc-tls-listener 0.0.0.0:PORT --gprc-tls-ca-cert {files.CaCert} --grpc-tls-cert {files.NodeCert} --grpc-tls-key {files.NodeKey}");
        output.WriteLine();
        output.WriteLine("post-service flags, one client certificate each:");
        foreach (var (name, (cert, key)) in files.Clients.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {name}: --address https://{host}:PORT --ca-cert {files.CaCert} --cert {cert} --key {key}");
        }

        output.WriteLine($"The node checks each client certificate against ca.pem; keep ca.key offline ({files.CaKey}).");
    }
}
