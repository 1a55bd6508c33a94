using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using System.Text;
using System.Text.Json;

namespace CodexPS.Tools;

/// <summary>
/// The model's JSON arguments as PowerShell values, by parameter name: checked against what the schema offered
/// (an object, known names, required ones present, the right JSON kinds) and converted to plain data (strings,
/// numbers, booleans, arrays, hashtables, PSCustomObjects). Nothing here is ever parsed as PowerShell.
/// </summary>
internal static class CodexToolArguments
{
    /// <summary>The bound arguments (canonical parameter names, in the model's order), or null and every problem found.</summary>
    public static OrderedDictionary? Prepare(string toolName, IReadOnlyList<CodexToolParameter> parameters, JsonElement arguments, out string? error)
    {
        var problems = new List<string>();
        var bound = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
        var given = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (Unwrap(arguments) is not { } body)
        {
            error = $"The arguments of tool '{toolName}' must be a JSON object of parameter names and values; got {Describe(arguments.ValueKind)}.";
            return null;
        }

        foreach (var property in body.EnumerateObject())
        {
            var parameter = parameters.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
            if (parameter is null)
            {
                problems.Add($"'{property.Name}' is not a parameter of tool '{toolName}'.");
                continue;
            }

            if (!given.Add(parameter.Name))
            {
                problems.Add($"'{parameter.Name}' is given more than once.");
                continue;
            }

            // A null is an argument not given: models send null for optional parameters they do not use.
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (!TryConvert(property.Value, parameter.Shape, out var value))
            {
                problems.Add($"'{parameter.Name}' must be {parameter.Shape.JsonName}{ElementWords(parameter.Shape)}; got {Describe(property.Value.ValueKind)}.");
                continue;
            }

            // A [switch] that is false is a switch left out, as on the command line.
            if (parameter.Shape.Kind == CodexToolValueKind.Switch && value is false)
            {
                continue;
            }

            bound[parameter.Name] = parameter.Shape.Kind == CodexToolValueKind.Switch ? new SwitchParameter(true) : value;
        }

        foreach (var missing in parameters.Where(p => p.IsMandatory && !bound.Contains(p.Name) && !given.Contains(p.Name)))
        {
            problems.Add($"'{missing.Name}' is required ({missing.Shape.JsonName}{ElementWords(missing.Shape)}).");
        }

        foreach (var nulled in parameters.Where(p => p.IsMandatory && given.Contains(p.Name) && !bound.Contains(p.Name) && p.Shape.Kind != CodexToolValueKind.Switch))
        {
            problems.Add($"'{nulled.Name}' is required and cannot be null.");
        }

        if (problems.Count > 0)
        {
            var text = new StringBuilder($"The arguments of tool '{toolName}' were not accepted:");
            foreach (var problem in problems)
            {
                text.Append("\n- ").Append(problem);
            }

            if (parameters.Count > 0)
            {
                text.Append("\nIts parameters: ").Append(string.Join(", ", parameters.Select(p => p.Name + (p.IsMandatory ? " (required)" : string.Empty)))).Append('.');
            }

            error = text.ToString();
            return null;
        }

        error = null;
        return bound;
    }

    /// <summary>The arguments object; an absent or null one is no arguments; a string holding an object is read as it.</summary>
    private static JsonElement? Unwrap(JsonElement arguments)
    {
        switch (arguments.ValueKind)
        {
            case JsonValueKind.Object:
                return arguments;
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return JsonDocument.Parse("{}").RootElement.Clone();
            case JsonValueKind.String:
                var text = arguments.GetString()!;
                if (string.IsNullOrWhiteSpace(text))
                {
                    return JsonDocument.Parse("{}").RootElement.Clone();
                }

                try
                {
                    using var document = JsonDocument.Parse(text);
                    return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
                }
                catch (JsonException)
                {
                    return null;
                }

            default:
                return null;
        }
    }

    private static bool TryConvert(JsonElement value, CodexToolValueShape shape, out object? result)
    {
        result = null;
        switch (shape.Kind)
        {
            case CodexToolValueKind.String when value.ValueKind == JsonValueKind.String:
                result = value.GetString();
                return true;
            case CodexToolValueKind.Integer when value.ValueKind == JsonValueKind.Number:
                if (value.TryGetInt64(out var whole))
                {
                    result = whole;
                    return true;
                }

                if (value.TryGetUInt64(out var large))
                {
                    result = large;
                    return true;
                }

                if (value.TryGetDecimal(out var number) && decimal.Truncate(number) == number)
                {
                    result = number;
                    return true;
                }

                return false;
            case CodexToolValueKind.Number when value.ValueKind == JsonValueKind.Number:
                result = shape.Type == typeof(decimal) && value.TryGetDecimal(out var exact) ? exact : value.GetDouble();
                return true;
            case CodexToolValueKind.Boolean or CodexToolValueKind.Switch when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                result = value.GetBoolean();
                return true;
            case CodexToolValueKind.Array when value.ValueKind == JsonValueKind.Array:
                var items = new List<object?>();
                foreach (var item in value.EnumerateArray())
                {
                    if (!TryConvert(item, shape.Element!, out var converted))
                    {
                        return false;
                    }

                    items.Add(converted);
                }

                result = items.ToArray();
                return true;
            case CodexToolValueKind.Array:
                // One value where an array is expected: PowerShell's binder takes it as an array of one.
                return TryConvert(value, shape.Element!, out result);
            case CodexToolValueKind.Dictionary when value.ValueKind == JsonValueKind.Object:
                result = ToHashtable(value);
                return true;
            case CodexToolValueKind.Any:
                result = PowerShellJson.ToPowerShell(value);
                return true;
            default:
                return false;
        }
    }

    private static Hashtable ToHashtable(JsonElement value)
    {
        var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var property in value.EnumerateObject())
        {
            table[property.Name] = ToPlain(property.Value);
        }

        return table;
    }

    private static object? ToPlain(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => ToHashtable(value),
        JsonValueKind.Array => value.EnumerateArray().Select(ToPlain).ToArray(),
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out var n) ? n : value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static string ElementWords(CodexToolValueShape shape) =>
        shape.Kind == CodexToolValueKind.Array ? " of " + Plural(shape.Element!) : string.Empty;

    private static string Plural(CodexToolValueShape element) => element.Kind switch
    {
        CodexToolValueKind.String => "strings",
        CodexToolValueKind.Integer => "integers",
        CodexToolValueKind.Number => "numbers",
        CodexToolValueKind.Boolean => "booleans",
        CodexToolValueKind.Dictionary => "objects",
        CodexToolValueKind.Array => "arrays",
        _ => "values",
    };

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
