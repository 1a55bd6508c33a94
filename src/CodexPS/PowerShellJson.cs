using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodexPS;

/// <summary>Between PowerShell values (hashtables, PSCustomObjects, arrays) and JSON.</summary>
internal static class PowerShellJson
{
    /// <summary>A JSON node for a hashtable, PSCustomObject, array or scalar.</summary>
    public static JsonNode? ToNode(object? value)
    {
        value = value is PSObject pso && pso.BaseObject is not PSCustomObject ? pso.BaseObject : value;
        switch (value)
        {
            case null:
                return null;
            case JsonNode node:
                return node.DeepClone();
            case string or bool or int or long or double or decimal or float or short or byte:
                return JsonValue.Create(value);
            case IDictionary dictionary:
                var obj = new JsonObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    obj[Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!] = ToNode(entry.Value);
                }

                return obj;
            case PSObject custom:
                var fromCustom = new JsonObject();
                foreach (var property in custom.Properties)
                {
                    fromCustom[property.Name] = ToNode(property.Value);
                }

                return fromCustom;
            case IEnumerable list:
                var array = new JsonArray();
                foreach (var item in list)
                {
                    array.Add(ToNode(item));
                }

                return array;
            default:
                return JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>A PSCustomObject tree for a JSON value, as ConvertFrom-Json would give it.</summary>
    public static object? ToPowerShell(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var result = new PSObject();
                foreach (var property in element.EnumerateObject())
                {
                    result.Properties.Add(new PSNoteProperty(property.Name, ToPowerShell(property.Value)));
                }

                return result;
            case JsonValueKind.Array:
                return element.EnumerateArray().Select(ToPowerShell).ToArray();
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                return element.TryGetInt64(out var whole) ? whole : element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }
}
