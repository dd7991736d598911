using System.Text;

namespace PostFleet.Runtime.Kubernetes;

/// <summary>
/// Fits free-form names (fleet ids, key file names) into Kubernetes' syntax. Label values allow
/// [A-Za-z0-9_.-] with an alphanumeric at both ends, 63 characters at most; pod names are DNS labels here.
/// </summary>
internal static class KubernetesNames
{
    public static string LabelValue(string value)
    {
        var cleaned = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            cleaned.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        var text = cleaned.ToString();
        text = text.Length > 63 ? text[..63] : text;
        return text.Trim('-', '_', '.');
    }

    /// <summary>"pf-SERVICE-RUN", lower case, at most 63 characters: the run id at the end always survives the cut.</summary>
    public static string PodName(string serviceName, string runId)
    {
        var service = new StringBuilder(serviceName.Length);
        foreach (var c in serviceName.ToLowerInvariant())
        {
            service.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }

        var room = 63 - "pf-".Length - 1 - runId.Length;
        var part = service.ToString().Trim('-');
        part = part.Length > room ? part[..room].TrimEnd('-') : part;
        return $"pf-{part}-{runId.ToLowerInvariant()}";
    }
}
