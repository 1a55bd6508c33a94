using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Protocol;
using CodexPS.Engine.Runtime;

namespace CodexPS.Engine.Config;

/// <summary>Where one effective config value came from (config/read origins).</summary>
public sealed class CodexConfigEntry
{
    public CodexConfigEntry(string key, object? value, string origin, string? file, string? version)
    {
        Key = key;
        Value = value;
        Origin = origin;
        File = file;
        Version = version;
    }

    /// <summary>The dotted key path, e.g. features.plugins.</summary>
    public string Key { get; }

    public object? Value { get; }

    /// <summary>The layer that set it: user, project, system, sessionFlags, ...; Default when no layer set it.</summary>
    public string Origin { get; }

    /// <summary>The config file of that layer, when it has one.</summary>
    public string? File { get; }

    public string? Version { get; }
}

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

    public JsonElement Config { get; }

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

/// <summary>Reads and writes the runtime's config through config/read, config/value/write and config/batchWrite.</summary>
public static class CodexConfigStore
{
    public static async Task<CodexConfigSnapshot> ReadAsync(
        Func<string, JsonNode?, CancellationToken, Task<JsonElement>> request, string? workingDirectory, CancellationToken cancellationToken)
    {
        var parameters = new JsonObject { ["includeLayers"] = false };
        if (workingDirectory is not null)
        {
            parameters["cwd"] = workingDirectory;
        }

        var answer = await request("config/read", parameters, cancellationToken).ConfigureAwait(false);
        return new CodexConfigSnapshot(answer);
    }

    /// <summary>Writes one value (upsert: tables merge into what is there). Returns the file written.</summary>
    public static async Task<string?> WriteAsync(
        Func<string, JsonNode?, CancellationToken, Task<JsonElement>> request, string keyPath, object? value, CancellationToken cancellationToken)
    {
        var parameters = new JsonObject
        {
            ["keyPath"] = keyPath,
            ["value"] = ToJson(value),
            ["mergeStrategy"] = "upsert",
        };
        var answer = await request("config/value/write", parameters, cancellationToken).ConfigureAwait(false);
        return answer.Str("filePath");
    }

    /// <summary>Writes several values in one edit: all of them or, when one is rejected, none.</summary>
    public static async Task<string?> WriteBatchAsync(
        Func<string, JsonNode?, CancellationToken, Task<JsonElement>> request, IEnumerable<KeyValuePair<string, object?>> values, CancellationToken cancellationToken)
    {
        var edits = new JsonArray();
        foreach (var pair in values)
        {
            edits.Add(new JsonObject
            {
                ["keyPath"] = pair.Key,
                ["value"] = ToJson(pair.Value),
                ["mergeStrategy"] = "upsert",
            });
        }

        var answer = await request("config/batchWrite", new JsonObject { ["edits"] = edits }, cancellationToken).ConfigureAwait(false);
        return answer.Str("filePath");
    }

    /// <summary>A .NET value as JSON: dictionaries as objects, lists as arrays, enums as their names.</summary>
    public static JsonNode? ToJson(object? value)
    {
        value = CodexConfigOverrides.Unwrap(value);
        switch (value)
        {
            case null:
                return null;
            case JsonNode node:
                return node.DeepClone();
            case string s:
                return JsonValue.Create(s);
            case bool b:
                return JsonValue.Create(b);
            case Enum e:
                return JsonValue.Create(e.ToString());
            case sbyte or byte or short or ushort or int or uint or long:
                return JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture));
            case ulong u:
                return JsonValue.Create(u);
            case float or double or decimal:
                return JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case IDictionary table:
                var obj = new JsonObject();
                foreach (DictionaryEntry entry in table)
                {
                    obj[Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty] = ToJson(entry.Value);
                }

                return obj;
            case IEnumerable list:
                var array = new JsonArray();
                foreach (var item in list)
                {
                    array.Add(ToJson(item));
                }

                return array;
            default:
                return JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture));
        }
    }
}
