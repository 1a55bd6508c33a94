using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>Tolerant readers for the runtime's JSON: a missing or mistyped member is null, never an exception.</summary>
internal static class Json
{
    private static readonly char[] Separators = { '_', '-', '/' };

    public static JsonElement Prop(this JsonElement element, string name)
    {
        return element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;
    }

    /// <summary>Like <see cref="Prop(JsonElement, string)"/> with the name already in UTF-8: the hot path of every delta looks names up without transcoding them.</summary>
    public static JsonElement Prop(this JsonElement element, ReadOnlySpan<byte> utf8Name)
    {
        return element.ValueKind == JsonValueKind.Object && element.TryGetProperty(utf8Name, out var value) ? value : default;
    }

    /// <summary>Like <see cref="Str(JsonElement, string)"/> with the name in UTF-8.</summary>
    public static string? Str(this JsonElement element, ReadOnlySpan<byte> utf8Name)
    {
        var value = element.Prop(utf8Name);
        return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>Like <see cref="Str(JsonElement, string, string)"/> with the name in UTF-8.</summary>
    public static string? Str(this JsonElement element, ReadOnlySpan<byte> utf8Name, string? known)
    {
        var value = element.Prop(utf8Name);
        if (value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        return known is not null && value.ValueEquals(known) ? known : value.GetString();
    }

    public static string? Str(this JsonElement element, string name)
    {
        var value = element.Prop(name);
        return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>
    /// Like <see cref="Str(JsonElement, string)"/>, but hands back <paramref name="known"/> when the member spells the same text, so a
    /// stream of events naming the same thread, turn or item allocates that string once, not once per event.
    /// </summary>
    public static string? Str(this JsonElement element, string name, string? known)
    {
        var value = element.Prop(name);
        if (value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        return known is not null && value.ValueEquals(known) ? known : value.GetString();
    }

    public static long? Long(this JsonElement element, string name)
    {
        var value = element.Prop(name);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;
    }

    public static int? Int(this JsonElement element, string name)
    {
        var value = element.Prop(name);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : null;
    }

    public static double? Double(this JsonElement element, string name)
    {
        var value = element.Prop(name);
        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var n) ? n : null;
    }

    public static bool? Bool(this JsonElement element, string name)
    {
        var value = element.Prop(name);
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };
    }

    public static IEnumerable<JsonElement> Array(this JsonElement element, string name)
    {
        var value = element.Prop(name);
        return value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : Enumerable.Empty<JsonElement>();
    }

    public static DateTimeOffset? UnixMs(long? milliseconds)
    {
        return milliseconds is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    public static DateTimeOffset? UnixSeconds(long? seconds)
    {
        return seconds is { } s ? DateTimeOffset.FromUnixTimeSeconds(s) : null;
    }

    /// <summary>camelCase protocol names become PascalCase .NET names: usageLimitExceeded → UsageLimitExceeded.</summary>
    public static string Pascal(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return name;
        }

        var parts = name.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        return string.Concat(parts.Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }
}
