using System.Text.Json;
using PostFleet.Core.Model;

namespace PostFleet.Spacemesh.Operator;

/// <summary>
/// The body of post-service's <c>GET /status</c> (post-service.md §3). Only the three shapes the real service
/// sends are accepted; anything else means we are not talking to a post-service we understand.
/// </summary>
internal static class OperatorStatusParser
{
    private const int QuotedBodyLength = 200;

    public static ServiceStatus Parse(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return FromJson(document.RootElement) ?? Unexpected(body);
        }
        catch (JsonException)
        {
            return Unexpected(body);
        }
    }

    private static ServiceStatus? FromJson(JsonElement root) => root.ValueKind switch
    {
        JsonValueKind.String => root.GetString() switch
        {
            "Idle" => new ServiceStatus.Idle(),
            "DoneProving" => new ServiceStatus.DoneProving(),
            _ => null,
        },
        JsonValueKind.Object when OnlyProperty(root, "Proving") is { } proving => Proving(proving),
        _ => null,
    };

    /// <summary><c>{"nonces":{"start":a,"end":b},"position":n}</c>, with exactly these members.</summary>
    private static ServiceStatus.Proving? Proving(JsonElement proving)
    {
        if (proving.ValueKind != JsonValueKind.Object || Count(proving) != 2
            || !proving.TryGetProperty("nonces", out var nonces) || nonces.ValueKind != JsonValueKind.Object || Count(nonces) != 2
            || !TryGetUInt64(nonces, "start", out var start)
            || !TryGetUInt64(nonces, "end", out var end)
            || !TryGetUInt64(proving, "position", out var position))
        {
            return null;
        }

        return new ServiceStatus.Proving(start, end, position);
    }

    private static JsonElement? OnlyProperty(JsonElement element, string name) =>
        Count(element) == 1 && element.TryGetProperty(name, out var value) ? value : null;

    private static int Count(JsonElement element) => element.EnumerateObject().Count();

    private static bool TryGetUInt64(JsonElement element, string name, out ulong value)
    {
        value = 0;
        return element.TryGetProperty(name, out var property)
            && property.ValueKind == JsonValueKind.Number
            && property.TryGetUInt64(out value);
    }

    private static ServiceStatus.Unreachable Unexpected(string body)
    {
        var quoted = body.Length > QuotedBodyLength ? body[..QuotedBodyLength] + "..." : body;
        return new ServiceStatus.Unreachable($"unexpected body: {quoted}");
    }
}
