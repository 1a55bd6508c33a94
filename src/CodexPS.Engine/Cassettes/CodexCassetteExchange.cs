using System.Text.Json.Nodes;
using CodexPS.Engine.Mock;

namespace CodexPS.Engine.Cassettes;

/// <summary>One model request of a recorded conversation: what it carried (for -Strict) and what the model answered.</summary>
public sealed class CodexCassetteExchange
{
    /// <summary>The 1-based turn of the conversation the request belonged to.</summary>
    public int Turn { get; init; }

    /// <summary>The user's prompts and the tool outputs the request carried, normalised.</summary>
    public CodexCassetteRequest Request { get; init; } = new(Array.Empty<string>(), Array.Empty<string>());

    /// <summary>What the model said, in the cassette's form: messages with text, function calls with arguments as JSON, other items as the Responses API wrote them.</summary>
    public IReadOnlyList<JsonObject> Output { get; init; } = Array.Empty<JsonObject>();

    /// <summary>The tokens the endpoint reported for this request; null when the rollout did not say.</summary>
    public MockUsage? Usage { get; init; }

    /// <summary>The rate-limit windows the endpoint's headers reported with this answer; null when it sent none or the rollout did not say.</summary>
    public MockRateLimits? RateLimits { get; init; }

    /// <summary>The 1-based line of the cassette file this request starts on (0 when it was not read from a file).</summary>
    public int Line { get; init; }

    /// <summary>The shell commands this answer runs (exec_command's cmd, shell's command), for display.</summary>
    public IEnumerable<string> Commands => Output
        .Where(o => (string?)o["type"] == "function_call" && (string?)o["name"] is "exec_command" or "shell" or "shell_command")
        .Select(o => o["arguments"] is JsonObject a ? (a["cmd"] ?? a["command"])?.ToString() : null)
        .Where(c => c is not null)!;

    /// <inheritdoc/>
    public override string ToString()
    {
        var kinds = Output.Select(o => (string?)o["type"] is "function_call" or "custom_tool_call" ? $"{o["type"]}:{o["name"]}" : (string?)o["type"]);
        return $"turn {Turn}: {string.Join(", ", kinds)}";
    }
}
