using System.Management.Automation;
using System.Text.Json;

namespace CodexPS;

/// <summary>JSON as the objects PowerShell users expect: PSCustomObject, object[], string, long, double, bool.</summary>
internal static class JsonToPowerShell
{
    public static object? Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => ToObject(element),
        JsonValueKind.Array => element.EnumerateArray().Select(Convert).ToArray(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var n) ? n : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static PSObject ToObject(JsonElement element)
    {
        var result = new PSObject();
        foreach (var property in element.EnumerateObject())
        {
            result.Properties.Add(new PSNoteProperty(property.Name, Convert(property.Value)));
        }

        return result;
    }
}
