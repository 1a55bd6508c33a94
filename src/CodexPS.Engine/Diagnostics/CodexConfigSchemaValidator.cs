using System.Text.Json;

namespace CodexPS.Engine.Diagnostics;

/// <summary>
/// Checks the effective config the runtime read (config/read) against the runtime's own schema of it (the Config
/// definition of ConfigReadResponse.json): each value set has the type and, for fixed choices, one of the values the
/// schema allows. The runtime already refuses what it cannot parse; this finds what it took but the schema does not know.
/// </summary>
internal static class CodexConfigSchemaValidator
{
    private const int MaxDepth = 4;

    /// <summary>Every problem found, as "key: why"; empty when the config fits the schema.</summary>
    public static IReadOnlyList<string> Validate(JsonElement config, JsonElement schemaRoot)
    {
        var problems = new List<string>();
        if (config.ValueKind != JsonValueKind.Object || !schemaRoot.TryGetProperty("definitions", out var definitions)
            || !definitions.TryGetProperty("Config", out var configSchema))
        {
            return problems;
        }

        Check(config, configSchema, definitions, string.Empty, problems, 0);
        return problems;
    }

    private static void Check(JsonElement value, JsonElement schema, JsonElement definitions, string key, List<string> problems, int depth)
    {
        if (value.ValueKind == JsonValueKind.Null || depth > MaxDepth)
        {
            return;
        }

        schema = Resolve(schema, definitions);
        var branches = Branches(schema, definitions);
        if (branches.Count == 1)
        {
            // The common optional value: anyOf [the value's schema, null].
            schema = branches[0];
        }
        else if (branches.Count > 1)
        {
            // A value fits a union when it fits one branch; the problems of the best-fitting branch are reported.
            List<string>? best = null;
            foreach (var branch in branches)
            {
                var found = new List<string>();
                Check(value, branch, definitions, key, found, depth);
                if (found.Count == 0)
                {
                    return;
                }

                if (best is null || found.Count < best.Count)
                {
                    best = found;
                }
            }

            problems.AddRange(best!);
            return;
        }

        if (schema.TryGetProperty("enum", out var allowed) && allowed.ValueKind == JsonValueKind.Array)
        {
            if (!allowed.EnumerateArray().Any(a => a.GetRawText() == value.GetRawText()))
            {
                problems.Add($"{key}: '{value}' is not one of {string.Join(", ", allowed.EnumerateArray().Select(a => a.ToString()))}");
            }

            return;
        }

        if (Types(schema) is { Count: > 0 } types && !types.Contains(TypeOf(value)) && !(TypeOf(value) == "integer" && types.Contains("number")))
        {
            problems.Add($"{key}: a {TypeOf(value)} where the schema expects {string.Join(" or ", types.Where(t => t != "null"))}");
            return;
        }

        if (value.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties))
        {
            foreach (var property in value.EnumerateObject())
            {
                if (properties.TryGetProperty(property.Name, out var propertySchema))
                {
                    Check(property.Value, propertySchema, definitions, Join(key, property.Name), problems, depth + 1);
                }
            }
        }
        else if (value.ValueKind == JsonValueKind.Object && schema.TryGetProperty("additionalProperties", out var each) && each.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in value.EnumerateObject())
            {
                Check(property.Value, each, definitions, Join(key, property.Name), problems, depth + 1);
            }
        }
    }

    private static string Join(string key, string name) => key.Length == 0 ? name : key + "." + name;

    private static JsonElement Resolve(JsonElement schema, JsonElement definitions)
    {
        for (var hops = 0; hops < 8 && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference); hops++)
        {
            var path = reference.GetString();
            if (path is null || !path.StartsWith("#/definitions/", StringComparison.Ordinal) || !definitions.TryGetProperty(path["#/definitions/".Length..], out var target))
            {
                break;
            }

            schema = target;
        }

        return schema;
    }

    private static List<JsonElement> Branches(JsonElement schema, JsonElement definitions)
    {
        var result = new List<JsonElement>();
        foreach (var union in new[] { "anyOf", "oneOf" })
        {
            if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty(union, out var list) && list.ValueKind == JsonValueKind.Array)
            {
                result.AddRange(list.EnumerateArray().Select(b => Resolve(b, definitions)).Where(b => !IsNullOnly(b)));
            }
        }

        return result;
    }

    private static bool IsNullOnly(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "null";

    private static List<string> Types(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type))
        {
            return new List<string>();
        }

        return type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()).OfType<string>().ToList()
            : type.GetString() is { } one ? new List<string> { one } : new List<string>();
    }

    private static string TypeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };
}
