using System.Collections;
using System.Globalization;
using System.Text;

namespace CodexPS.Engine.Runtime;

/// <summary>
/// Turns config given as dotted keys or nested dictionaries into codex's `-c key=value` pairs, with values
/// written as TOML (the meaning codex gives them).
/// </summary>
public static class CodexConfigOverrides
{
    /// <summary>The config as key/value pairs for `-c`: nested tables become dotted keys and each value a TOML literal.</summary>
    public static List<KeyValuePair<string, string>> Flatten(IDictionary? config)
    {
        var result = new List<KeyValuePair<string, string>>();
        if (config is not null)
        {
            Flatten(config, string.Empty, result);
        }

        return result;
    }

    private static void Flatten(IDictionary config, string prefix, List<KeyValuePair<string, string>> result)
    {
        foreach (DictionaryEntry entry in config)
        {
            var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture);
            if (string.IsNullOrWhiteSpace(key))
            {
                throw new ArgumentException("A config key is empty.", nameof(config));
            }

            var path = prefix.Length == 0 ? key : prefix + "." + key;
            if (entry.Value is IDictionary nested)
            {
                Flatten(nested, path, result);
            }
            else
            {
                result.Add(new KeyValuePair<string, string>(path, ToToml(Unwrap(entry.Value), path)));
            }
        }
    }

    /// <summary>A TOML literal for a .NET value: strings quoted, numbers and booleans bare, lists as arrays.</summary>
    public static string ToToml(object? value, string key = "value")
    {
        switch (value)
        {
            case null:
                throw new ArgumentException($"Config key '{key}' has no value; TOML has no null.", nameof(value));
            case string s:
                return Quote(s);
            case bool b:
                return b ? "true" : "false";
            case Enum e:
                return Quote(e.ToString());
            case sbyte or byte or short or ushort or int or uint or long or ulong:
                return Convert.ToString(value, CultureInfo.InvariantCulture)!;
            case float or double or decimal:
                return Convert.ToString(value, CultureInfo.InvariantCulture)!;
            case IDictionary table:
                return "{ " + string.Join(", ", table.Cast<DictionaryEntry>().Select(en =>
                    $"{Convert.ToString(en.Key, CultureInfo.InvariantCulture)} = {ToToml(Unwrap(en.Value), key)}")) + " }";
            case IEnumerable list:
                return "[" + string.Join(", ", list.Cast<object?>().Select(v => ToToml(Unwrap(v), key))) + "]";
            default:
                return Quote(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
        }
    }

    /// <summary>PowerShell wraps values in PSObject; callers hand in the base object through this hook.</summary>
    public static Func<object?, object?> Unwrap { get; set; } = v => v;

    private static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }
}
