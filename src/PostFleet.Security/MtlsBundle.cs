using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace PostFleet.Security;

/// <summary>What `postfleet certs` makes: one CA, the node's server certificate and one client certificate per name.</summary>
public sealed record MtlsBundleRequest(
    string OutDirectory,
    ImmutableArray<string> NodeHosts,
    ImmutableArray<string> Clients,
    int ValidDays,
    bool Force);

/// <summary>The files written, absolute paths, for the caller to print.</summary>
public sealed record MtlsBundleFiles(string Directory, string CaCert, string CaKey, string NodeCert, string NodeKey, ImmutableDictionary<string, (string Cert, string Key)> Clients)
{
    public IEnumerable<string> All =>
        new[] { CaCert, CaKey, NodeCert, NodeKey }.Concat(Clients.Values.SelectMany(c => new[] { c.Cert, c.Key }));
}

/// <summary>Existing files that the bundle would overwrite; nothing was written.</summary>
public sealed class ExistingFilesException(IReadOnlyList<string> files)
    : IOException("refusing to overwrite existing files (use --force to replace them): " + string.Join(", ", files))
{
    public IReadOnlyList<string> Files { get; } = files;
}

/// <summary>
/// Generates the whole bundle in memory, then writes it: private keys mode 0600, certificates 0644, folder 0700.
/// Existing files are replaced only with <see cref="MtlsBundleRequest.Force"/>, never silently.
/// </summary>
public sealed partial class MtlsBundleWriter(TimeProvider time)
{
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicFile = PrivateFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static MtlsBundleFiles PlanFiles(MtlsBundleRequest request)
    {
        var dir = Path.GetFullPath(request.OutDirectory);
        var clients = ImmutableDictionary.CreateBuilder<string, (string, string)>(StringComparer.Ordinal);
        foreach (var name in request.Clients.Distinct(StringComparer.Ordinal))
        {
            // The name ends up in a file name and a certificate subject: keep it to a safe, portable set.
            if (!ClientName().IsMatch(name))
            {
                throw new ArgumentException($"client name '{name}' may only use letters, digits, '.', '_' and '-'");
            }

            clients[name] = (Path.Combine(dir, $"client-{name}.pem"), Path.Combine(dir, $"client-{name}.key"));
        }

        return new MtlsBundleFiles(
            dir,
            Path.Combine(dir, "ca.pem"),
            Path.Combine(dir, "ca.key"),
            Path.Combine(dir, "node.pem"),
            Path.Combine(dir, "node.key"),
            clients.ToImmutable());
    }

    public MtlsBundleFiles Write(MtlsBundleRequest request)
    {
        if (request.ValidDays < 1)
        {
            throw new ArgumentException("--days must be at least 1");
        }

        var files = PlanFiles(request);
        var existing = files.All.Where(File.Exists).ToList();
        if (existing.Count > 0 && !request.Force)
        {
            throw new ExistingFilesException(existing);
        }

        var now = time.GetUtcNow();
        var notAfter = now.AddDays(request.ValidDays);
        using var ca = CertificateFactory.CreateAuthority("PostFleet CA", now, notAfter);
        using var node = CertificateFactory.CreateServer(ca, request.NodeHosts, now, notAfter);
        var clients = request.Clients.Distinct(StringComparer.Ordinal)
            .Select(name => (Name: name, Certificate: CertificateFactory.CreateClient(ca, name, now, notAfter)))
            .ToList();

        try
        {
            Directory.CreateDirectory(files.Directory, PrivateFolder);
            File.SetUnixFileMode(files.Directory, PrivateFolder);
            WritePair(ca, files.CaCert, files.CaKey);
            WritePair(node, files.NodeCert, files.NodeKey);
            foreach (var (name, certificate) in clients)
            {
                WritePair(certificate, files.Clients[name].Cert, files.Clients[name].Key);
            }
        }
        finally
        {
            clients.ForEach(c => c.Certificate.Dispose());
        }

        return files;
    }

    private static void WritePair(X509Certificate2 certificate, string certPath, string keyPath)
    {
        WriteFile(certPath, certificate.ExportCertificatePem() + "\n", PublicFile);
        using var key = certificate.GetECDsaPrivateKey() ?? throw new CryptographicException("certificate has no ECDSA private key");
        WriteFile(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n", PrivateFile);
    }

    private static void WriteFile(string path, string content, UnixFileMode mode)
    {
        // Delete first (only reached with --force): the mode of a new file is set at creation, so a key never
        // exists, even for a moment, with the looser mode of the file it replaces.
        File.Delete(path);
        using (var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        File.SetUnixFileMode(path, mode); // the umask may have narrowed a certificate's mode; state it exactly
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex ClientName();
}
