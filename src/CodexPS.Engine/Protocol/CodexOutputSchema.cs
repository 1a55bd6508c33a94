using System.Globalization;
using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>
/// Checks a turn's final answer against the output schema the turn was given. The runtime already constrains
/// the model with it; this is the client's own check, covering the JSON Schema keywords structured output
/// uses: type, properties, required, additionalProperties, items, enum, const, anyOf/oneOf, and the numeric
/// and length bounds.
/// </summary>
public static class CodexOutputSchema
{
    /// <summary>Parses the answer; the error list is empty when it is valid JSON that follows the schema.</summary>
    public static (JsonElement? Value, IReadOnlyList<string> Errors) Check(string? answer, JsonElement schema)
    {
        if (string.IsNullOrWhiteSpace(answer))
        {
            return (null, new[] { "The turn gave no final answer." });
        }

        JsonElement value;
        try
        {
            using var document = JsonDocument.Parse(answer);
            value = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return (null, new[] { "The final answer is not JSON: " + ex.Message });
        }

        var errors = new List<string>();
        Validate(value, schema, "$", errors);
        return (value, errors);
    }

    private static void Validate(JsonElement value, JsonElement schema, string path, List<string> errors)
    {
        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: no value is allowed here.");
            return;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(value, type))
        {
            errors.Add($"{path}: expected {type.GetRawText()}, got {Describe(value)}.");
            return;
        }

        if (schema.TryGetProperty("enum", out var allowed) && allowed.ValueKind == JsonValueKind.Array
            && !allowed.EnumerateArray().Any(a => JsonEquals(a, value)))
        {
            errors.Add($"{path}: {value.GetRawText()} is not one of {allowed.GetRawText()}.");
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonEquals(constant, value))
        {
            errors.Add($"{path}: must be {constant.GetRawText()}.");
        }

        CheckAlternatives(value, schema, path, errors);
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                ValidateObject(value, schema, path, errors);
                break;
            case JsonValueKind.Array:
                if (schema.TryGetProperty("items", out var items))
                {
                    var index = 0;
                    foreach (var element in value.EnumerateArray())
                    {
                        Validate(element, items, $"{path}[{index++}]", errors);
                    }
                }

                CheckBound(schema, "minItems", value.GetArrayLength(), path, errors, atLeast: true);
                CheckBound(schema, "maxItems", value.GetArrayLength(), path, errors, atLeast: false);
                break;
            case JsonValueKind.String:
                var length = value.GetString()!.Length;
                CheckBound(schema, "minLength", length, path, errors, atLeast: true);
                CheckBound(schema, "maxLength", length, path, errors, atLeast: false);
                break;
            case JsonValueKind.Number:
                var number = value.GetDouble();
                CheckBound(schema, "minimum", number, path, errors, atLeast: true);
                CheckBound(schema, "maximum", number, path, errors, atLeast: false);
                break;
        }
    }

    private static void ValidateObject(JsonElement value, JsonElement schema, string path, List<string> errors)
    {
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray().Where(n => n.ValueKind == JsonValueKind.String).Select(n => n.GetString()!))
            {
                if (!value.TryGetProperty(name, out _))
                {
                    errors.Add($"{path}: the required property '{name}' is missing.");
                }
            }
        }

        var additional = schema.TryGetProperty("additionalProperties", out var a) ? a : default;
        foreach (var property in value.EnumerateObject())
        {
            var childPath = $"{path}.{property.Name}";
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Validate(property.Value, propertySchema, childPath, errors);
            }
            else if (additional.ValueKind == JsonValueKind.False)
            {
                errors.Add($"{childPath}: this property is not allowed.");
            }
            else if (additional.ValueKind == JsonValueKind.Object)
            {
                Validate(property.Value, additional, childPath, errors);
            }
        }
    }

    private static void CheckAlternatives(JsonElement value, JsonElement schema, string path, List<string> errors)
    {
        foreach (var keyword in new[] { "anyOf", "oneOf" })
        {
            if (!schema.TryGetProperty(keyword, out var options) || options.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            var matching = options.EnumerateArray().Count(option =>
            {
                var inner = new List<string>();
                Validate(value, option, path, inner);
                return inner.Count == 0;
            });
            if (matching == 0 || (keyword == "oneOf" && matching > 1))
            {
                errors.Add($"{path}: matches {matching} of the {keyword} alternatives.");
            }
        }
    }

    private static void CheckBound(JsonElement schema, string keyword, double actual, string path, List<string> errors, bool atLeast)
    {
        if (schema.TryGetProperty(keyword, out var bound) && bound.ValueKind == JsonValueKind.Number)
        {
            var limit = bound.GetDouble();
            if (atLeast ? actual < limit : actual > limit)
            {
                errors.Add($"{path}: {actual.ToString(CultureInfo.InvariantCulture)} breaks {keyword} {limit.ToString(CultureInfo.InvariantCulture)}.");
            }
        }
    }

    private static bool TypeMatches(JsonElement value, JsonElement type)
    {
        return type.ValueKind switch
        {
            JsonValueKind.String => IsType(value, type.GetString()!),
            JsonValueKind.Array => type.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && IsType(value, t.GetString()!)),
            _ => true,
        };
    }

    private static bool IsType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        _ => true,
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static bool JsonEquals(JsonElement a, JsonElement b)
    {
        switch (a.ValueKind)
        {
            case JsonValueKind.Object:
                return b.ValueKind == JsonValueKind.Object
                    && a.EnumerateObject().Count() == b.EnumerateObject().Count()
                    && a.EnumerateObject().All(p => b.TryGetProperty(p.Name, out var other) && JsonEquals(p.Value, other));
            case JsonValueKind.Array:
                return b.ValueKind == JsonValueKind.Array && a.GetArrayLength() == b.GetArrayLength()
                    && a.EnumerateArray().Zip(b.EnumerateArray()).All(pair => JsonEquals(pair.First, pair.Second));
            case JsonValueKind.String:
                return b.ValueKind == JsonValueKind.String && a.GetString() == b.GetString();
            case JsonValueKind.Number:
                return b.ValueKind == JsonValueKind.Number && a.GetDouble().Equals(b.GetDouble());
            default:
                return a.ValueKind == b.ValueKind;
        }
    }
}
