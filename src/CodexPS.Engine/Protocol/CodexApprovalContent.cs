using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodexPS.Engine.Protocol;

/// <summary>Reading the runtime's request shapes and checking the answers given to them.</summary>
internal static class CodexApprovalContent
{
    public const string InvalidAnswerId = "CodexApprovalAnswerInvalid";

    public static CodexException Invalid(string message) => new(InvalidAnswerId, message);

    /// <summary>Text for a JSON string, number or boolean; null for anything else.</summary>
    public static string? Scalar(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        return value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }

    /// <summary>The fields of a form schema ({type:object, properties:{...}, required:[...]}), in the server's order.</summary>
    public static IReadOnlyList<CodexElicitationField> Fields(JsonElement schema)
    {
        var properties = schema.Prop("properties");
        if (properties.ValueKind != JsonValueKind.Object)
        {
            return Array.Empty<CodexElicitationField>();
        }

        var required = schema.Array("required").Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal);
        return properties.EnumerateObject().Select(p => new CodexElicitationField(p.Name, p.Value, required.Contains(p.Name))).ToArray();
    }

    /// <summary>"write /path; read /other; network" for a permission profile; "nothing" when it names nothing.</summary>
    public static string DescribePermissions(JsonElement profile)
    {
        var parts = new List<string>();
        var fileSystem = profile.Prop("fileSystem");
        var entries = fileSystem.Array("entries").ToArray();
        if (entries.Length > 0)
        {
            parts.AddRange(entries.Select(e => $"{e.Str("access") ?? "access"} {DescribePath(e.Prop("path"))}"));
        }
        else
        {
            parts.AddRange(fileSystem.Array("read").Where(p => p.ValueKind == JsonValueKind.String).Select(p => "read " + p.GetString()));
            parts.AddRange(fileSystem.Array("write").Where(p => p.ValueKind == JsonValueKind.String).Select(p => "write " + p.GetString()));
        }

        if (profile.Prop("network").Bool("enabled") == true)
        {
            parts.Add("network");
        }

        return parts.Count == 0 ? "nothing" : string.Join("; ", parts);
    }

    private static string DescribePath(JsonElement path)
    {
        switch (path.Str("type"))
        {
            case "path":
                return path.Str("path") ?? "?";
            case "glob_pattern":
                return path.Str("pattern") ?? "?";
            case "special":
                var value = path.Prop("value");
                var kind = value.Str("kind") ?? "?";
                var detail = value.Str("path") ?? value.Str("subpath");
                return $"<{kind}>" + (detail is null ? string.Empty : "/" + detail);
            default:
                return path.ValueKind == JsonValueKind.String ? path.GetString()! : "?";
        }
    }
}
