using System.Globalization;
using System.Text;

namespace CodexPS.Engine.Persistence;

/// <summary>
/// Expands a recording path template: {sessionId}, {conversationId}, {timestamp} (UTC, safe in file names on
/// every platform) and {date} (UTC yyyy-MM-dd). Names are case-insensitive; any other {name} is refused so a
/// typo never becomes part of a file name.
/// </summary>
public static class CodexRecordingTemplate
{
    /// <summary>The placeholder names a template may use, each written in braces.</summary>
    public static readonly IReadOnlyList<string> Placeholders = new[] { "sessionId", "conversationId", "timestamp", "date" };

    /// <summary>The path the template names; throws CodexException CodexRecordingTemplateInvalid for an unknown or unclosed placeholder.</summary>
    public static string Expand(string template, string? sessionId, string conversationId, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(template);
        var utc = at.ToUniversalTime();
        var result = new StringBuilder(template.Length + 64);
        var index = 0;
        while (index < template.Length)
        {
            var open = template.IndexOf('{', index);
            if (open < 0)
            {
                result.Append(template, index, template.Length - index);
                break;
            }

            result.Append(template, index, open - index);
            var close = template.IndexOf('}', open + 1);
            if (close < 0)
            {
                throw Invalid(template, $"the '{{' at position {open} is never closed");
            }

            var name = template[(open + 1)..close];
            result.Append(name.ToUpperInvariant() switch
            {
                "SESSIONID" => sessionId ?? throw Invalid(template, "{sessionId} is unknown here (no runtime session)"),
                "CONVERSATIONID" => conversationId,
                "TIMESTAMP" => Timestamp(utc),
                "DATE" => utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                _ => throw Invalid(template, $"'{{{name}}}' is not a placeholder; use {string.Join(", ", Placeholders.Select(p => "{" + p + "}"))}"),
            });
            index = close + 1;
        }

        return result.ToString();
    }

    /// <summary>The {timestamp} text: UTC to the millisecond, without the colons Windows refuses in file names.</summary>
    public static string Timestamp(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH-mm-ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Json for a template ending in .json, else Jsonl.</summary>
    public static CodexRecordingFormat FormatFor(string path) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? CodexRecordingFormat.Json : CodexRecordingFormat.Jsonl;

    private static CodexException Invalid(string template, string why) =>
        new("CodexRecordingTemplateInvalid", $"The recording path template '{template}' is invalid: {why}.");
}
