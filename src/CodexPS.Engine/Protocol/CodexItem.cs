using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>
/// One thread item (a message, a command, a file change, ...). Types CodexPS does not model are kept as a
/// plain CodexItem with their type name and raw JSON, so nothing the runtime sends is lost.
/// </summary>
public class CodexItem
{
    private readonly JsonElement _json;

    protected CodexItem(JsonElement json)
    {
        _json = json;
        Id = json.Str("id");
        ProtocolType = json.Str("type") ?? string.Empty;
        Type = Protocol.Json.Pascal(ProtocolType);
    }

    public string? Id { get; }

    /// <summary>PascalCase item type: AgentMessage, CommandExecution, FileChange, Reasoning, UserMessage, McpToolCall, ...</summary>
    public string Type { get; }

    /// <summary>The type as the runtime spells it (agentMessage, commandExecution, ...).</summary>
    public string ProtocolType { get; }

    /// <summary>The item exactly as the runtime sent it.</summary>
    public string Raw => _json.ValueKind == JsonValueKind.Undefined ? "null" : _json.GetRawText();

    internal JsonElement Element => _json;

    public static CodexItem FromJson(JsonElement json)
    {
        return json.Str("type") switch
        {
            "agentMessage" => new AgentMessageItem(json),
            "commandExecution" => new CommandExecutionItem(json),
            "fileChange" => new FileChangeItem(json),
            "reasoning" => new ReasoningItem(json),
            "userMessage" => new UserMessageItem(json),
            "mcpToolCall" => new McpToolCallItem(json),
            _ => new CodexItem(json),
        };
    }

    public override string ToString() => Type;
}

public sealed class AgentMessageItem : CodexItem
{
    internal AgentMessageItem(JsonElement json) : base(json)
    {
        Text = json.Str("text") ?? string.Empty;
        Phase = json.Str("phase") is { } phase ? Protocol.Json.Pascal(phase) : null;
    }

    public string Text { get; }

    /// <summary>Commentary, FinalAnswer or PartialAnswer; null when the runtime gives none.</summary>
    public string? Phase { get; }

    public override string ToString() => Text;
}

public sealed class CommandExecutionItem : CodexItem
{
    internal CommandExecutionItem(JsonElement json) : base(json)
    {
        Command = json.Str("command") ?? string.Empty;
        Cwd = json.Str("cwd");
        Status = json.Str("status") is { } status ? Protocol.Json.Pascal(status) : null;
        ExitCode = json.Int("exitCode");
        Output = json.Str("aggregatedOutput");
        Duration = json.Long("durationMs") is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
    }

    public string Command { get; }

    public string? Cwd { get; }

    /// <summary>InProgress, Completed, Failed or Declined.</summary>
    public string? Status { get; }

    public int? ExitCode { get; }

    public string? Output { get; }

    public TimeSpan? Duration { get; }

    public override string ToString() => Command;
}

public sealed class FileChangeItem : CodexItem
{
    internal FileChangeItem(JsonElement json) : base(json)
    {
        Status = json.Str("status") is { } status ? Protocol.Json.Pascal(status) : null;
        Changes = json.Array("changes").Select(c => new CodexFileChange(
            c.Str("path") ?? string.Empty,
            c.Prop("kind").Str("type") is { } kind ? Protocol.Json.Pascal(kind) : null,
            c.Str("diff"),
            c.Prop("kind").Str("move_path"))).ToArray();
    }

    /// <summary>InProgress, Completed, Failed or Declined.</summary>
    public string? Status { get; }

    public IReadOnlyList<CodexFileChange> Changes { get; }

    public override string ToString() => string.Join(", ", Changes.Select(c => c.Path));
}

/// <summary>One file a patch touches. Kind is Add, Delete or Update; MovePath is set when an update renames.</summary>
public sealed record CodexFileChange(string Path, string? Kind, string? Diff, string? MovePath)
{
    public override string ToString() => $"{Kind} {Path}";
}

public sealed class ReasoningItem : CodexItem
{
    internal ReasoningItem(JsonElement json) : base(json)
    {
        Summary = json.Array("summary").Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray();
        Content = json.Array("content").Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray();
    }

    public IReadOnlyList<string> Summary { get; }

    public IReadOnlyList<string> Content { get; }

    public override string ToString() => string.Join(" ", Summary);
}

public sealed class UserMessageItem : CodexItem
{
    internal UserMessageItem(JsonElement json) : base(json)
    {
        Text = string.Join(Environment.NewLine, json.Array("content").Where(c => c.Str("type") == "text").Select(c => c.Str("text") ?? string.Empty));
    }

    public string Text { get; }

    public override string ToString() => Text;
}

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

    public string Tool { get; }

    /// <summary>The arguments the model passed, as JSON text.</summary>
    public string? Arguments { get; }

    /// <summary>InProgress, Completed or Failed.</summary>
    public string? Status { get; }

    /// <summary>The text parts of the tool's answer, joined by new lines; null when it gave none.</summary>
    public string? ResultText { get; }

    /// <summary>The tool's whole answer (content, structuredContent) as JSON text.</summary>
    public string? ResultJson { get; }

    public string? Error { get; }

    public TimeSpan? Duration { get; }

    public override string ToString() => $"{Server}.{Tool}";
}
