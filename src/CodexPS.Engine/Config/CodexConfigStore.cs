using System.Collections;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using CodexPS.Engine.Protocol;
using CodexPS.Engine.Runtime;

namespace CodexPS.Engine.Config;

/// <summary>Reads and writes the runtime's config through config/read, config/value/write and config/batchWrite.</summary>
public static class CodexConfigStore
{
    /// <summary>Reads the effective config and its origins (config/read) through request; workingDirectory is sent as cwd, for the project layers that apply there.</summary>
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
