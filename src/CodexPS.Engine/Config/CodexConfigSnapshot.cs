using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Config;

/// <summary>What config/read answered: the effective config and, per dotted key, the layer that set it.</summary>
public sealed class CodexConfigSnapshot
{
    internal CodexConfigSnapshot(JsonElement answer)
    {
        Config = answer.Prop("config").Clone();
        var origins = new Dictionary<string, (string Origin, string? File, string? Version)>(StringComparer.Ordinal);
        var json = answer.Prop("origins");
        if (json.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in json.EnumerateObject())
            {
                var name = property.Value.Prop("name");
                origins[property.Name] = (name.Str("type") ?? "unknown", name.Str("file"), property.Value.Str("version"));
            }
        }

        Origins = origins;
    }

    /// <summary>The effective config, as the runtime's JSON.</summary>
    public JsonElement Config { get; }

    /// <summary>Per dotted key, the layer that set it (its type), its file and version.</summary>
    public IReadOnlyDictionary<string, (string Origin, string? File, string? Version)> Origins { get; }

    /// <summary>The value at a dotted path; false when no such path exists in the effective config.</summary>
    public bool TryGet(string keyPath, out JsonElement value)
    {
        value = Config;
        foreach (var part in keyPath.Split('.'))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(part, out value))
            {
                value = default;
                return false;
            }
        }

        return true;
    }
}
