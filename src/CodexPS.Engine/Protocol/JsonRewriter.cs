using System.Buffers;
using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>Rewrites the string values of a JSON value (property names stay); the basis of plugins' event changes.</summary>
internal static class JsonRewriter
{
    private static readonly HashSet<string> Identifiers = new(StringComparer.Ordinal)
    {
        "id", "threadId", "turnId", "itemId", "rootTurnId", "callId", "type", "status", "phase", "role", "method",
    };

    /// <summary>Members whose values identify or classify rather than say something: never rewritten by MapText.</summary>
    public static bool IsIdentifier(string? key) => key is not null && Identifiers.Contains(key);

    /// <summary>
    /// The value with every string replaced by <paramref name="map"/>(the property it belongs to, the string);
    /// null when no string changed (nothing is allocated beyond the walk then).
    /// </summary>
    public static JsonElement? Rewrite(JsonElement value, Func<string?, string, string> map)
    {
        if (value.ValueKind is JsonValueKind.Undefined || !Changes(value, null, map))
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, Persistence.CodexRecording.WriterOptions))
        {
            Write(writer, value, null, map);
        }

        return JsonSerializer.Deserialize<JsonElement>(buffer.WrittenSpan);
    }

    private static bool Changes(JsonElement value, string? key, Func<string?, string, string> map)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.GetString()!;
                return !string.Equals(map(key, text), text, StringComparison.Ordinal);
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if (Changes(property.Value, property.Name, map))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    if (Changes(item, key, map))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static void Write(Utf8JsonWriter writer, JsonElement value, string? key, Func<string?, string, string> map)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                writer.WriteStringValue(map(key, value.GetString()!));
                break;
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in value.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value, property.Name, map);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    Write(writer, item, key, map);
                }

                writer.WriteEndArray();
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }
}
