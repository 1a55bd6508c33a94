using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodexPS.Engine.Protocol;

/// <summary>One choice the model offers for a question (request_user_input).</summary>
public sealed class CodexUserInputOption
{
    internal CodexUserInputOption(JsonElement option)
    {
        Label = option.Str("label") ?? string.Empty;
        Description = option.Str("description");
    }

    public string Label { get; }

    public string? Description { get; }

    public override string ToString() => Label;
}

/// <summary>One question the model asks the user (request_user_input); its Id is the key of its answer.</summary>
public sealed class CodexUserInputQuestion
{
    internal CodexUserInputQuestion(JsonElement question)
    {
        Id = question.Str("id") ?? string.Empty;
        Header = question.Str("header");
        Question = question.Str("question");
        IsOther = question.Bool("isOther") ?? false;
        IsSecret = question.Bool("isSecret") ?? false;
        Options = question.Array("options").Select(o => new CodexUserInputOption(o)).ToArray();
    }

    public string Id { get; }

    /// <summary>A short label for the question.</summary>
    public string? Header { get; }

    public string? Question { get; }

    /// <summary>A free-form answer besides the options is welcome.</summary>
    public bool IsOther { get; }

    /// <summary>The answer should not be echoed (a password, a token).</summary>
    public bool IsSecret { get; }

    /// <summary>The choices, the model's recommendation first; empty for a free-text question.</summary>
    public IReadOnlyList<CodexUserInputOption> Options { get; }

    public override string ToString() => (Question ?? Header ?? Id) + (Options.Count > 0 ? $" [{string.Join("/", Options.Select(o => o.Label))}]" : string.Empty);

    /// <summary>The answer list for one value: strings as given, option labels in their own spelling.</summary>
    internal JsonArray? ToAnswers(JsonNode? value)
    {
        var texts = new List<string>();
        if (value is JsonArray array)
        {
            foreach (var element in array)
            {
                if (CodexApprovalContent.Scalar(element) is { } text)
                {
                    texts.Add(text);
                }
                else if (element is not null)
                {
                    throw CodexApprovalContent.Invalid($"The answer to question '{Id}' must be text or a list of texts.");
                }
            }
        }
        else if (value is not null)
        {
            texts.Add(CodexApprovalContent.Scalar(value) ?? throw CodexApprovalContent.Invalid($"The answer to question '{Id}' must be text or a list of texts."));
        }

        var answers = new JsonArray();
        foreach (var text in texts.Where(t => t.Length > 0))
        {
            var option = Options.FirstOrDefault(o => string.Equals(o.Label, text, StringComparison.OrdinalIgnoreCase));
            if (option is null && Options.Count > 0 && !IsOther)
            {
                throw CodexApprovalContent.Invalid($"'{(IsSecret ? "***" : text)}' is not an option of question '{Id}' ({string.Join(", ", Options.Select(o => o.Label))}).");
            }

            answers.Add(option?.Label ?? text);
        }

        return answers.Count == 0 ? null : answers;
    }
}

/// <summary>A value an MCP elicitation form offers (an enum member), with its display title when it has one.</summary>
public sealed class CodexElicitationChoice
{
    internal CodexElicitationChoice(string value, string? title)
    {
        Value = value;
        Title = title;
    }

    public string Value { get; }

    public string? Title { get; }

    public override string ToString() => Title is null || Title == Value ? Value : $"{Title} ({Value})";
}

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

    public string Name { get; }

    /// <summary>string, number, integer, boolean or array (a multi-select); null when the schema says none.</summary>
    public string? Type { get; }

    public string? Title { get; }

    public string? Description { get; }

    /// <summary>email, uri, date or date-time for strings, when the server says.</summary>
    public string? Format { get; }

    public bool IsRequired { get; }

    public double? Minimum { get; }

    public double? Maximum { get; }

    /// <summary>The server's default: a string, number, boolean or string array; null when it gave none.</summary>
    public object? Default { get; }

    /// <summary>The allowed values of an enum or a multi-select; empty when any value of the type goes.</summary>
    public IReadOnlyList<CodexElicitationChoice> Choices { get; }

    public bool IsMultiSelect => Type == "array";

    internal JsonNode? DefaultNode => _default?.DeepClone();

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

    private static IReadOnlyList<CodexElicitationChoice> ReadChoices(JsonElement schema)
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
