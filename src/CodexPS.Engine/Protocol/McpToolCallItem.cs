using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>A call of a tool of an MCP server: its arguments, and the content it answered or its error.</summary>
public sealed class McpToolCallItem : CodexItem
{
    internal McpToolCallItem(JsonElement json) : base(json)
    {
        Server = json.Str("server") ?? string.Empty;
        Tool = json.Str("tool") ?? string.Empty;
        var arguments = json.Prop("arguments");
        Arguments = arguments.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : arguments.GetRawText();
        Status = json.Str("status") is { } status ? Protocol.Json.Pascal(status) : null;
        var result = json.Prop("result");
        ResultJson = result.ValueKind == JsonValueKind.Object ? result.GetRawText() : null;
        var texts = result.Array("content").Where(c => c.Str("type") == "text").Select(c => c.Str("text") ?? string.Empty).ToArray();
        ResultText = texts.Length == 0 ? null : string.Join(Environment.NewLine, texts);
        Error = json.Prop("error").Str("message");
        Duration = json.Long("durationMs") is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
    }

    /// <summary>The MCP server's name in the config (mcp_servers.&lt;name&gt;).</summary>
    public string Server { get; }

    /// <summary>The tool's name on its server.</summary>
    public string Tool { get; }

    /// <summary>The arguments the model passed, as JSON text.</summary>
    public string? Arguments { get; }

    /// <summary>InProgress, Completed or Failed.</summary>
    public string? Status { get; }

    /// <summary>The text parts of the tool's answer, joined by new lines; null when it gave none.</summary>
    public string? ResultText { get; }

    /// <summary>The tool's whole answer (content, structuredContent) as JSON text.</summary>
    public string? ResultJson { get; }

    /// <summary>The error message when the call failed.</summary>
    public string? Error { get; }

    /// <summary>How long the call took, as the runtime measured it.</summary>
    public TimeSpan? Duration { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Server}.{Tool}";
}
