using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodexPS.Engine.Protocol;

/// <summary>One field of an MCP elicitation form (a property of its requestedSchema).</summary>
public sealed class CodexElicitationField
{
    private readonly JsonNode? _default;

    internal CodexElicitationField(string name, JsonElement schema, bool required)
    {
        Name = name;
        Type = schema.Str("type");
        Title = schema.Str("title");
        Description = schema.Str("description");
        Format = schema.Str("format");
        IsRequired = required;
        Minimum = schema.Double("minimum");
        Maximum = schema.Double("maximum");
        var defaultValue = schema.Prop("default");
        _default = defaultValue.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : JsonNode.Parse(defaultValue.GetRawText());
        Default = defaultValue.ValueKind switch
        {
            JsonValueKind.String => defaultValue.GetString(),
            JsonValueKind.Number => defaultValue.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Array => defaultValue.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText()).ToArray(),
            _ => null,
        };
        Choices = ReadChoices(Type == "array" ? schema.Prop("items") : schema);
    }

    /// <summary>The property name, the key of the field's value in the answer.</summary>
    public string Name { get; }

    /// <summary>string, number, integer, boolean or array (a multi-select); null when the schema says none.</summary>
    public string? Type { get; }

    /// <summary>The label to show for the field; null when the schema gives none.</summary>
    public string? Title { get; }

    /// <summary>The schema's explanation of the field; null when it gives none.</summary>
    public string? Description { get; }

    /// <summary>email, uri, date or date-time for strings, when the server says.</summary>
    public string? Format { get; }

    /// <summary>Whether the schema lists the field as required.</summary>
    public bool IsRequired { get; }

    /// <summary>The smallest number allowed, when the schema says.</summary>
    public double? Minimum { get; }

    /// <summary>The largest number allowed, when the schema says.</summary>
    public double? Maximum { get; }

    /// <summary>The server's default: a string, number, boolean or string array; null when it gave none.</summary>
    public object? Default { get; }

    /// <summary>The allowed values of an enum or a multi-select; empty when any value of the type goes.</summary>
    public IReadOnlyList<CodexElicitationChoice> Choices { get; }

    /// <summary>Whether the field takes a list of values (schema type array).</summary>
    public bool IsMultiSelect => Type == "array";

    internal JsonNode? DefaultNode => _default?.DeepClone();

    /// <inheritdoc/>
    public override string ToString() => $"{Title ?? Name} ({Type ?? "any"}{(IsRequired ? ", required" : string.Empty)})";

    /// <summary>The value as the schema wants it: numbers and booleans parsed from text, enum titles mapped to their values.</summary>
    internal JsonNode? Coerce(JsonNode? value)
    {
        if (value is null)
        {
            return null;
        }

        switch (Type)
        {
            case "array":
                var items = value is JsonArray list ? list.ToList() : new List<JsonNode?> { value };
                var result = new JsonArray();
                foreach (var item in items)
                {
                    var text = CodexApprovalContent.Scalar(item) ?? throw NotA("a list of texts");
                    result.Add(Choose(text));
                }

                return result;
            case "number":
            case "integer":
                var number = CodexApprovalContent.Scalar(value) is { } n && double.TryParse(n, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : (double?)null;
                if (number is not { } d || value is JsonArray || value is JsonObject)
                {
                    throw NotA(Type == "integer" ? "a whole number" : "a number");
                }

                if (Type == "integer")
                {
                    return d == Math.Floor(d) && Math.Abs(d) < 9e15 ? JsonValue.Create((long)d) : throw NotA("a whole number");
                }

                return JsonValue.Create(d);
            case "boolean":
                return CodexApprovalContent.Scalar(value)?.Trim().ToUpperInvariant() switch
                {
                    "TRUE" or "YES" or "Y" or "1" => JsonValue.Create(true),
                    "FALSE" or "NO" or "N" or "0" => JsonValue.Create(false),
                    _ => throw NotA("true or false"),
                };
            case "string":
                return JsonValue.Create(Choose(CodexApprovalContent.Scalar(value) ?? throw NotA("text")));
            default:
                return value.DeepClone();
        }
    }

    private string Choose(string text)
    {
        if (Choices.Count == 0)
        {
            return text;
        }

        var choice = Choices.FirstOrDefault(c => c.Value == text)
            ?? Choices.FirstOrDefault(c => string.Equals(c.Value, text, StringComparison.OrdinalIgnoreCase))
            ?? Choices.FirstOrDefault(c => string.Equals(c.Title, text, StringComparison.OrdinalIgnoreCase));
        return choice?.Value ?? throw CodexApprovalContent.Invalid($"'{text}' is not a choice of field '{Name}' ({string.Join(", ", Choices.Select(c => c.Value))}).");
    }

    private CodexException NotA(string what) => CodexApprovalContent.Invalid($"The value of field '{Name}' must be {what}.");

    private static CodexElicitationChoice[] ReadChoices(JsonElement schema)
    {
        var values = schema.Array("enum").Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray();
        if (values.Length > 0)
        {
            var names = schema.Array("enumNames").Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : null).ToArray();
            return values.Select((v, i) => new CodexElicitationChoice(v, i < names.Length ? names[i] : null)).ToArray();
        }

        var titled = schema.Prop("oneOf").ValueKind == JsonValueKind.Array ? schema.Array("oneOf") : schema.Array("anyOf");
        return titled.Where(o => o.Str("const") is not null).Select(o => new CodexElicitationChoice(o.Str("const")!, o.Str("title"))).ToArray();
    }
}
