using System.Text.Json;
using PostFleet.Core.Model;

namespace PostFleet.Spacemesh.Operator;

/// <summary>
/// The body of post-service's <c>GET /status</c> (post-service.md §3; post-rs <c>service/src/operator.rs</c>: serde's
/// externally tagged enum, <c>"Idle"</c>, <c>{"Proving":{"nonces":{"start":a,"end":b},"position":n}}</c>,
/// <c>"DoneProving"</c>). Tolerant the way a reader of a newer service must be: members it does not know are ignored
/// as long as the known ones are there with their types. Anything else is <see cref="ServiceStatus.Unrecognised"/>:
/// the service answers, we just cannot read it. Never throws.
/// </summary>
public static class OperatorStatusParser
{
    private const int QuotedBodyLength = 200;

    /// <summary>JSON nesting the known bodies never exceed by much; a deeper body is not ours to walk.</summary>
    private const int MaxDepth = 16;

    private static readonly string[] Variants = ["Idle", "Proving", "DoneProving"];

    public static ServiceStatus Parse(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth });
            return FromJson(document.RootElement) ?? Unrecognised(body);
        }
        catch (JsonException)
        {
            return Unrecognised(body);
        }
    }

    private static ServiceStatus? FromJson(JsonElement root) => root.ValueKind switch
    {
        JsonValueKind.String => Unit(root.GetString()),
        JsonValueKind.Object => Tagged(root),
        _ => null,
    };

    private static ServiceStatus? Unit(string? name) => name switch
    {
        "Idle" => new ServiceStatus.Idle(),
        "DoneProving" => new ServiceStatus.DoneProving(),
        _ => null,
    };

    /// <summary>
    /// An object holds exactly one known variant; other members are a newer service's additions. A unit variant may
    /// come as <c>{"Idle":null}</c> or <c>{"Idle":{}}</c>, which serde reads as the same thing.
    /// </summary>
    private static ServiceStatus? Tagged(JsonElement root)
    {
        var known = root.EnumerateObject().Where(p => Variants.Contains(p.Name, StringComparer.Ordinal)).ToList();
        if (known.Count != 1 || known.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count() != 1)
        {
            return null;
        }

        var variant = known[0];
        return variant.Name == "Proving"
            ? Proving(variant.Value)
            : variant.Value.ValueKind is JsonValueKind.Null || (variant.Value.ValueKind == JsonValueKind.Object && !variant.Value.EnumerateObject().Any())
                ? Unit(variant.Name)
                : null;
    }

    /// <summary><c>{"nonces":{"start":a,"end":b},"position":n}</c>; further members are ignored.</summary>
    private static ServiceStatus.Proving? Proving(JsonElement proving)
    {
        if (proving.ValueKind != JsonValueKind.Object
            || !TryGetSingle(proving, "nonces", out var nonces) || nonces.ValueKind != JsonValueKind.Object
            || !TryGetUInt64(nonces, "start", out var start)
            || !TryGetUInt64(nonces, "end", out var end)
            || !TryGetUInt64(proving, "position", out var position))
        {
            return null;
        }

        return new ServiceStatus.Proving(start, end, position);
    }

    private static bool TryGetUInt64(JsonElement element, string name, out ulong value)
    {
        value = 0;
        return TryGetSingle(element, name, out var property)
            && property.ValueKind == JsonValueKind.Number
            && property.TryGetUInt64(out value);
    }

    /// <summary>A member given once: a body that repeats a known member is ambiguous, not ours to pick from.</summary>
    private static bool TryGetSingle(JsonElement element, string name, out JsonElement value)
    {
        value = default;
        var found = 0;
        foreach (var property in element.EnumerateObject())
        {
            if (property.NameEquals(name))
            {
                value = property.Value;
                found++;
            }
        }

        return found == 1;
    }

    private static ServiceStatus.Unrecognised Unrecognised(string body) =>
        new(body.Length > QuotedBodyLength ? body[..QuotedBodyLength] + "..." : body);
}
