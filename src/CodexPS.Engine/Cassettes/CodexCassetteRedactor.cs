using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CodexPS.Engine.Cassettes;

/// <summary>
/// What an export redacts before a cassette is written: every text through the session's redactor plugins (and any
/// extra patterns), secret-looking header values in text (Authorization, Proxy-Authorization, X-Api-Key, Api-Key,
/// Cookie, Set-Cookie, and Bearer tokens), and in JSON arguments every string of a secret-looking member (keys, tokens,
/// passwords, authorization, cookies, as the protocol log redacts them) and of headers and env tables.
/// </summary>
public sealed partial class CodexCassetteRedactor
{
    private readonly IReadOnlyList<Func<string, string>> _redactors;

    /// <summary>A redactor applying <paramref name="redactors"/> (redactor plugins' Redact) after the built-in rules; their masks let a strict replay match.</summary>
    public CodexCassetteRedactor(IEnumerable<Func<string, string>> redactors, IEnumerable<string> masks)
    {
        ArgumentNullException.ThrowIfNull(redactors);
        ArgumentNullException.ThrowIfNull(masks);
        _redactors = redactors.ToArray();
        Masks = new[] { CodexCassette.DefaultMask }.Concat(masks).Where(m => !string.IsNullOrEmpty(m)).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The masks this redactor writes (*** and the redactor plugins' own).</summary>
    public IReadOnlyList<string> Masks { get; }

    /// <summary>The text with secret header values and the redactors' matches masked.</summary>
    public string RedactText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = SecretHeader().Replace(text, m => m.Groups["name"].Value + m.Groups["sep"].Value + CodexCassette.DefaultMask);
        text = BearerToken().Replace(text, m => m.Groups["scheme"].Value + CodexCassette.DefaultMask);
        foreach (var redact in _redactors)
        {
            text = redact(text);
        }

        return text;
    }

    /// <summary>A copy of the item with every string redacted (members named like secrets, headers and env tables: masked whole).</summary>
    public JsonObject RedactItem(JsonObject item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return (JsonObject)Redact(item, null, false)!;
    }

    private JsonNode? Redact(JsonNode? node, string? property, bool secretScope)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                var inner = secretScope || (property is not null && SecretTable().IsMatch(property));
                foreach (var (name, value) in obj)
                {
                    copy[name] = Redact(value, name, inner);
                }

                return copy;
            case JsonArray array:
                return new JsonArray(array.Select(e => Redact(e, property, secretScope)).ToArray());
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                if (secretScope || (property is not null && SecretName().IsMatch(property)))
                {
                    return CodexCassette.DefaultMask;
                }

                return RedactText((string)value!);
            default:
                return node?.DeepClone();
        }
    }

    [GeneratedRegex(@"(?i)(?<name>\b(?:proxy-)?authorization|\bx-api-key|\bapi-key|\bopenai-api-key|\bx-auth-token|\bset-cookie|\bcookie)(?<sep>\s*[:=]\s*)(?:(?:bearer|basic|token)\s+)?[^\s'""\\,;]+")]
    private static partial Regex SecretHeader();

    [GeneratedRegex(@"(?i)(?<scheme>\bbearer\s+)(?!\*\*\*)[A-Za-z0-9._~+/=-]{6,}")]
    private static partial Regex BearerToken();

    // The names CodexProtocolLog redacts, so a cassette hides what the protocol log hides.
    [GeneratedRegex("(?i)(api_?key|token|secret|password|passwd|authorization|credential|cookie|bearer)")]
    private static partial Regex SecretName();

    [GeneratedRegex("(?i)^(env|headers|http_headers|env_http_headers)$")]
    private static partial Regex SecretTable();
}
