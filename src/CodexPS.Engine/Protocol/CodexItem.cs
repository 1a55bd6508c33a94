using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>
/// One thread item (a message, a command, a file change, ...). Types CodexPS does not model are kept as a
/// plain CodexItem with their type name and raw JSON, so nothing the runtime sends is lost.
/// </summary>
public class CodexItem
{
    private readonly JsonElement _json;

    /// <summary>Reads the members common to every item from its JSON.</summary>
    protected CodexItem(JsonElement json)
    {
        _json = json;
        Id = json.Str("id");
        ProtocolType = json.Str("type") ?? string.Empty;
        Type = Protocol.Json.Pascal(ProtocolType);
    }

    /// <summary>The item's id in its thread; null when the runtime gives none.</summary>
    public string? Id { get; }

    /// <summary>PascalCase item type: AgentMessage, CommandExecution, FileChange, Reasoning, UserMessage, McpToolCall, ...</summary>
    public string Type { get; }

    /// <summary>The type as the runtime spells it (agentMessage, commandExecution, ...).</summary>
    public string ProtocolType { get; }

    /// <summary>The item exactly as the runtime sent it.</summary>
    public string Raw => _json.ValueKind == JsonValueKind.Undefined ? "null" : _json.GetRawText();

    internal JsonElement Element => _json;

    /// <summary>The typed item for the JSON's type; a plain CodexItem for types CodexPS does not model.</summary>
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
            "dynamicToolCall" => new DynamicToolCallItem(json),
            _ => new CodexItem(json),
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Type;
}
