using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace CodexPS.Engine.Config;

/// <summary>
/// The runtime's own config schema (the Config definition of its generated ConfigReadResponse schema), used to check
/// a value before it is written: the runtime itself takes any string as a reasoning effort and any unknown key.
/// The schema describes part of config.toml only (it allows other keys), so a key it does not describe is unknown,
/// not wrong.
/// </summary>
public sealed class CodexConfigSchema
{
    private const string ReasoningEffortRef = "#/definitions/ReasoningEffort";
    private readonly JsonElement _config;
    private readonly JsonElement _definitions;

    private CodexConfigSchema(JsonDocument document)
    {
        _definitions = document.RootElement.TryGetProperty("definitions", out var definitions) ? definitions.Clone() : default;
        _config = _definitions.ValueKind == JsonValueKind.Object && _definitions.TryGetProperty("Config", out var config) ? config.Clone() : default;
    }

    /// <summary>Reads the schema from a generated ConfigReadResponse.json.</summary>
    public static CodexConfigSchema Load(Stream schema)
    {
        using var document = JsonDocument.Parse(schema);
        return new CodexConfigSchema(document);
    }

    /// <summary>
    /// Checks one dotted key and its value (string, number, boolean, array, dictionary for a table, null).
    /// <paramref name="reasoningEfforts"/> are the efforts the runtime's models advertise (the schema says an effort
    /// is "advertised by the model"); null skips that check.
    /// </summary>
    public CodexConfigCheck Check(string keyPath, object? value, IReadOnlyCollection<string>? reasoningEfforts)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyPath);
        if (_config.ValueKind != JsonValueKind.Object)
        {
            return CodexConfigCheck.Unknown(keyPath);
        }

        var node = _config;
        foreach (var part in keyPath.Split('.'))
        {
            var table = Table(node);
            if (table is null)
            {
                return CodexConfigCheck.Unknown(keyPath);
            }

            if (table.Value.TryGetProperty("properties", out var properties) && properties.TryGetProperty(part, out var next))
            {
                node = next;
                continue;
            }

            if (table.Value.TryGetProperty("additionalProperties", out var more) && more.ValueKind == JsonValueKind.False)
            {
                return CodexConfigCheck.Invalid(keyPath, $"'{keyPath}' is not a config key: the table has no '{part}'" + Known(table.Value) + ".");
            }

            return CodexConfigCheck.Unknown(keyPath);
        }

        return Validate(keyPath, node, value, reasoningEfforts, depth: 0) is { } problem
            ? CodexConfigCheck.Invalid(keyPath, problem)
            : CodexConfigCheck.Valid(keyPath);
    }

    /// <summary>Why the value does not fit the schema node, or null when it does.</summary>
    private string? Validate(string key, JsonElement node, object? value, IReadOnlyCollection<string>? efforts, int depth)
    {
        if (depth > 16)
        {
            return null;
        }

        if (node.TryGetProperty("$ref", out var reference))
        {
            if (reference.GetString() == ReasoningEffortRef && value is string effort && efforts is { Count: > 0 }
                && !efforts.Contains(effort, StringComparer.Ordinal))
            {
                return $"'{effort}' is not a reasoning effort the runtime's models offer for '{key}'; expected one of: {string.Join(", ", efforts)}.";
            }

            return Resolve(reference) is { } target ? Validate(key, target, value, efforts, depth + 1) : null;
        }

        foreach (var combinator in new[] { "anyOf", "oneOf" })
        {
            if (node.TryGetProperty(combinator, out var branches) && branches.ValueKind == JsonValueKind.Array)
            {
                var problems = new List<string>();
                foreach (var branch in branches.EnumerateArray())
                {
                    if (Validate(key, branch, value, efforts, depth + 1) is not { } problem)
                    {
                        return null;
                    }

                    problems.Add(problem);
                }

                // The most telling reason: an effort or enum list beats "expected null".
                return problems.OrderByDescending(p => p.Length).FirstOrDefault();
            }
        }

        if (node.TryGetProperty("allOf", out var all) && all.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in all.EnumerateArray())
            {
                if (Validate(key, part, value, efforts, depth + 1) is { } problem)
                {
                    return problem;
                }
            }
        }

        if (node.TryGetProperty("type", out var type) && !Types(type).Any(t => IsOfType(value, t)))
        {
            return $"'{key}' takes {string.Join(" or ", Types(type).Where(t => t != "null").Select(Describe))}, not {DescribeValue(value)}.";
        }

        if (node.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array)
        {
            var allowed = values.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()).ToArray();
            var text = value is string s ? s : Convert.ToString(value, CultureInfo.InvariantCulture);
            if (!allowed.Contains(text, StringComparer.Ordinal))
            {
                return $"'{text}' is not a value of '{key}'; expected one of: {string.Join(", ", allowed)}.";
            }
        }

        if (value is string str && node.TryGetProperty("minLength", out var minLength) && minLength.TryGetInt32(out var min) && str.Length < min)
        {
            return $"'{key}' takes a non-empty string.";
        }

        if (value is IDictionary table && node.TryGetProperty("properties", out var properties))
        {
            foreach (DictionaryEntry entry in table)
            {
                var name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
                if (properties.TryGetProperty(name, out var child))
                {
                    if (Validate(key + "." + name, child, entry.Value, efforts, depth + 1) is { } problem)
                    {
                        return problem;
                    }
                }
                else if (node.TryGetProperty("additionalProperties", out var more) && more.ValueKind == JsonValueKind.False)
                {
                    return $"'{key}' has no key '{name}'" + Known(node) + ".";
                }
            }
        }

        if (value is IEnumerable list and not string and not IDictionary && node.TryGetProperty("items", out var items))
        {
            foreach (var item in list)
            {
                if (Validate(key + "[]", items, item, efforts, depth + 1) is { } problem)
                {
                    return problem;
                }
            }
        }

        return null;
    }

    /// <summary>The table schema a node stands for (itself, its $ref, or a branch of anyOf/oneOf); null for a scalar.</summary>
    private JsonElement? Table(JsonElement node)
    {
        if (node.TryGetProperty("$ref", out var reference))
        {
            return Resolve(reference) is { } target ? Table(target) : null;
        }

        foreach (var combinator in new[] { "anyOf", "oneOf", "allOf" })
        {
            if (node.TryGetProperty(combinator, out var branches) && branches.ValueKind == JsonValueKind.Array)
            {
                foreach (var branch in branches.EnumerateArray())
                {
                    if (Table(branch) is { } table)
                    {
                        return table;
                    }
                }

                return null;
            }
        }

        return node.TryGetProperty("properties", out _) || (node.TryGetProperty("type", out var type) && Types(type).Contains("object")) ? node : null;
    }

    private JsonElement? Resolve(JsonElement reference)
    {
        const string prefix = "#/definitions/";
        return reference.GetString() is { } path && path.StartsWith(prefix, StringComparison.Ordinal)
            && _definitions.ValueKind == JsonValueKind.Object && _definitions.TryGetProperty(path[prefix.Length..], out var target)
            ? target
            : null;
    }

    private static IEnumerable<string> Types(JsonElement type) => type.ValueKind == JsonValueKind.Array
        ? type.EnumerateArray().Select(t => t.GetString() ?? string.Empty)
        : new[] { type.GetString() ?? string.Empty };

    private static bool IsOfType(object? value, string type) => type switch
    {
        "null" => value is null,
        "string" => value is string,
        "boolean" => value is bool,
        "integer" => value is sbyte or byte or short or ushort or int or uint or long or ulong
            || (value is double or float or decimal && Convert.ToDecimal(value, CultureInfo.InvariantCulture) % 1 == 0),
        "number" => value is sbyte or byte or short or ushort or int or uint or long or ulong or double or float or decimal,
        "array" => value is IEnumerable and not string and not IDictionary,
        "object" => value is IDictionary,
        _ => true,
    };

    private static string Describe(string type) => type switch
    {
        "string" => "a string",
        "boolean" => "a boolean ($true or $false)",
        "integer" => "a whole number",
        "number" => "a number",
        "array" => "an array",
        "object" => "a table (hashtable)",
        _ => type,
    };

    private static string DescribeValue(object? value) => value switch
    {
        null => "null",
        string s => $"the string '{s}'",
        bool b => b ? "$true" : "$false",
        IDictionary => "a table",
        IEnumerable => "an array",
        _ => $"{Convert.ToString(value, CultureInfo.InvariantCulture)} ({value.GetType().Name})",
    };

    private static string Known(JsonElement table) =>
        table.TryGetProperty("properties", out var properties)
            ? "; it has " + string.Join(", ", properties.EnumerateObject().Select(p => p.Name))
            : string.Empty;
}
