using System.Globalization;
using PostFleet.Core.Configuration;

namespace PostFleet.Core.Init;

/// <summary>
/// postcli's command line for one identity (post-service.md §5). Go's flag package: always <c>-flag=value</c>, and
/// <c>-yes</c> because every non-mainnet value would otherwise prompt and read EOF from our closed stdin. No
/// <c>-id</c>: postcli creates identity.key on the first run and reuses it on every resume.
/// </summary>
public static class PostcliArguments
{
    /// <summary>OpenCL provider id postcli gives its CPU ("scrypt-jane") provider.</summary>
    public const uint CpuProvider = uint.MaxValue;

    public static IReadOnlyList<string> Build(PostSettings post, ServiceSpec service, CommitmentAtx commitment)
    {
        var arguments = new List<string>
        {
            $"-provider={Invariant(post.Provider)}",
            $"-labelsPerUnit={Invariant(post.LabelsPerUnit)}",
            $"-scryptN={Invariant(post.ScryptN)}",
            $"-numUnits={Invariant(service.NumUnits)}",
            $"-datadir={service.DataDir}",
            $"-commitmentAtxId={commitment.Hex}",
            "-yes",
        };
        if (post.MaxFileSize is { } maxFileSize)
        {
            arguments.Add($"-maxFileSize={Invariant(maxFileSize)}");
        }

        return arguments;
    }

    /// <summary>A copy-pasteable shell line for the dry run and for error messages.</summary>
    public static string ToShellLine(string executable, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { executable }.Concat(arguments).Select(ShellQuote));

    private static string ShellQuote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_=./:,+@%".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
