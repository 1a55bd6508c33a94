using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CodexPS.Engine.Cassettes;

/// <summary>
/// What a model request carried that a strict replay compares: the user's prompts and the tool outputs the model was
/// given, new since the model last spoke, normalised (see <see cref="Normalize"/>).
/// </summary>
public sealed partial class CodexCassetteRequest
{
    /// <summary>Builds the view from the prompts and tool outputs as they stand (already normalised).</summary>
    public CodexCassetteRequest(IReadOnlyList<string> prompt, IReadOnlyList<string> toolOutputs)
    {
        Prompt = prompt;
        ToolOutputs = toolOutputs;
    }

    /// <summary>The user's prompts new in this request (runtime-added context, such as environment_context, is left out).</summary>
    public IReadOnlyList<string> Prompt { get; }

    /// <summary>The outputs of the tool calls the model made last (command output, patch results, MCP and dynamic tool answers), in order.</summary>
    public IReadOnlyList<string> ToolOutputs { get; }

    /// <summary>The view of a request body sent to POST /v1/responses (its input array); null input gives an empty view.</summary>
    public static CodexCassetteRequest FromRequestBody(JsonElement? body)
    {
        var input = body is { ValueKind: JsonValueKind.Object } b && b.TryGetProperty("input", out var i) && i.ValueKind == JsonValueKind.Array
            ? i.EnumerateArray().ToList()
            : new List<JsonElement>();
        var cwd = FindWorkingDirectory(input);
        var lastOutput = input.FindLastIndex(IsModelOutput);
        return FromInputs(input.Skip(lastOutput + 1), cwd);
    }

    /// <summary>The view of the input items that came before a model response (the new items only), with the workspace folder known then.</summary>
    public static CodexCassetteRequest FromInputs(IEnumerable<JsonElement> newItems, string? workingDirectory)
    {
        var prompt = new List<string>();
        var outputs = new List<string>();
        foreach (var item in newItems)
        {
            var type = Str(item, "type");
            if (type == "message" && Str(item, "role") == "user")
            {
                var text = MessageText(item);
                if (text is not null && !IsRuntimeContext(text))
                {
                    prompt.Add(Normalize(text, workingDirectory));
                }
            }
            else if (type is not null && type.EndsWith("_output", StringComparison.Ordinal))
            {
                outputs.Add(Normalize(OutputText(item), workingDirectory));
            }
        }

        return new CodexCassetteRequest(prompt, outputs);
    }

    /// <summary>
    /// What a replay may legitimately see differently is made equal: line ends, the runtime's timing and chunk lines
    /// (Wall time, Chunk ID), process session numbers, and the workspace folder (shown as {cwd}).
    /// </summary>
    public static string Normalize(string text, string? workingDirectory)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!string.IsNullOrEmpty(workingDirectory))
        {
            var folder = workingDirectory.TrimEnd('/', '\\');
            if (folder.Length > 1)
            {
                text = text.Replace(folder, "{cwd}", StringComparison.Ordinal);
            }
        }

        text = TimingLine().Replace(text, string.Empty);
        text = SessionNumber().Replace(text, "session ID {n}");
        return text.TrimEnd();
    }

    /// <summary>Null when the two are equal (a recorded *** or other mask matches anything); else which part differs and both sides.</summary>
    public string? Compare(CodexCassetteRequest received, IReadOnlyCollection<string> masks)
    {
        ArgumentNullException.ThrowIfNull(received);
        var prompt = CompareLists("the user's prompt", Prompt, received.Prompt, masks);
        return prompt ?? CompareLists("the tool output", ToolOutputs, received.ToolOutputs, masks);
    }

    /// <summary>Whether a Responses input or output item is something the model said (message of the assistant, a tool call, reasoning).</summary>
    public static bool IsModelOutput(JsonElement item)
    {
        var type = Str(item, "type");
        return type switch
        {
            "message" => Str(item, "role") == "assistant",
            "reasoning" => true,
            null => false,
            _ => type.EndsWith("_call", StringComparison.Ordinal),
        };
    }

    /// <summary>Whether a Responses item is something the model is given (a user or developer message, a tool call's output).</summary>
    public static bool IsModelInput(JsonElement item)
    {
        var type = Str(item, "type");
        return type switch
        {
            "message" => Str(item, "role") is "user" or "developer" or "system",
            null => false,
            _ => type.EndsWith("_output", StringComparison.Ordinal),
        };
    }

    /// <summary>The workspace folder the runtime told the model about last (environment_context's cwd), or null.</summary>
    public static string? FindWorkingDirectory(IEnumerable<JsonElement> items)
    {
        string? cwd = null;
        foreach (var item in items)
        {
            if (Str(item, "type") == "message" && MessageText(item) is { } text && CwdElement().Match(text) is { Success: true } match)
            {
                cwd = match.Groups[1].Value.Trim();
            }
        }

        return cwd;
    }

    private static string? CompareLists(string what, IReadOnlyList<string> recorded, IReadOnlyList<string> received, IReadOnlyCollection<string> masks)
    {
        var count = Math.Max(recorded.Count, received.Count);
        for (var i = 0; i < count; i++)
        {
            var r = i < recorded.Count ? recorded[i] : null;
            var g = i < received.Count ? received[i] : null;
            if (r is null || g is null || !Matches(r, g, masks))
            {
                var label = count > 1 ? $"{what} ({i + 1} of {count})" : what;
                return $"{label} differs.\n  recorded: {Show(r)}\n  received: {Show(g)}";
            }
        }

        return null;
    }

    private static bool Matches(string recorded, string received, IReadOnlyCollection<string> masks)
    {
        if (string.Equals(recorded, received, StringComparison.Ordinal))
        {
            return true;
        }

        var present = masks.Where(m => m.Length > 0 && recorded.Contains(m, StringComparison.Ordinal)).ToArray();
        if (present.Length == 0)
        {
            return false;
        }

        // A redacted part was a secret the replay still sends: it matches any text.
        var pattern = new StringBuilder("^");
        var parts = Regex.Split(recorded, string.Join('|', present.Select(Regex.Escape)));
        pattern.Append(string.Join("(?s:.+?)", parts.Select(Regex.Escape))).Append('$');
        return Regex.IsMatch(received, pattern.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(2));
    }

    private static string Show(string? text)
    {
        if (text is null)
        {
            return "(nothing)";
        }

        var shown = text.Length > 600 ? text[..600] + $"… ({text.Length} characters)" : text;
        return "'" + shown.Replace("\n", "\\n", StringComparison.Ordinal) + "'";
    }

    private static bool IsRuntimeContext(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith("# AGENTS.md instructions", StringComparison.Ordinal))
        {
            return true;
        }

        // The runtime wraps what it adds (environment_context, user_instructions, turn_aborted, ...) in one element.
        return WrappedElement().Match(trimmed) is { Success: true } match && trimmed.EndsWith($"</{match.Groups[1].Value}>", StringComparison.Ordinal);
    }

    internal static string? MessageText(JsonElement item)
    {
        if (!item.TryGetProperty("content", out var content))
        {
            return null;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var parts = content.EnumerateArray().Select(p => Str(p, "text")).Where(t => t is not null).ToArray();
        return parts.Length == 0 ? null : string.Join("\n", parts);
    }

    private static string OutputText(JsonElement item)
    {
        if (!item.TryGetProperty("output", out var output))
        {
            return string.Empty;
        }

        return output.ValueKind switch
        {
            JsonValueKind.String => output.GetString() ?? string.Empty,
            JsonValueKind.Array => string.Join("\n", output.EnumerateArray().Select(p => Str(p, "text") ?? p.GetRawText())),
            JsonValueKind.Object when Str(output, "content") is { } content => content,
            _ => output.GetRawText(),
        };
    }

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    [GeneratedRegex(@"(?m)^(Wall time: [0-9.]+ seconds|Chunk ID: \S+)\n?")]
    private static partial Regex TimingLine();

    [GeneratedRegex(@"session ID \d+")]
    private static partial Regex SessionNumber();

    [GeneratedRegex(@"<cwd>([^<]+)</cwd>")]
    private static partial Regex CwdElement();

    [GeneratedRegex(@"^<([a-z_][a-z0-9_ -]*)>", RegexOptions.IgnoreCase)]
    private static partial Regex WrappedElement();
}
