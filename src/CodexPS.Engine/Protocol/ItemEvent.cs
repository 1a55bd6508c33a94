using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>An item of the turn (message, command, file change, reasoning, tool call) started or completed.</summary>
public sealed class ItemEvent : CodexEvent
{
    internal ItemEvent(CodexEventKind kind, string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(kind, method, conversationId, turnId, timestamp, parameters)
    {
        Item = CodexItem.FromJson(parameters.Prop("item"));
    }

    /// <summary>The item as the runtime described it at this point.</summary>
    public CodexItem Item { get; }

    internal override CodexEvent Rebuild(JsonElement parameters) => new ItemEvent(Kind, Method, ConversationId, TurnId, Timestamp, parameters);

    /// <inheritdoc/>
    public override string Summary => Item switch
    {
        AgentMessageItem m => "message: " + OneLine(m.Text),
        CommandExecutionItem c => $"command: {OneLine(c.Command)}" + (c.ExitCode is { } code ? $" (exit {code})" : c.Status is { } s ? $" ({s})" : string.Empty),
        FileChangeItem f => $"file change: {OneLine(f.ToString())}" + (f.Status is { } s ? $" ({s})" : string.Empty),
        ReasoningItem r => "reasoning: " + OneLine(r.ToString()),
        UserMessageItem u => "user: " + OneLine(u.Text),
        DynamicToolCallItem d => $"tool: {d} {OneLine(d.Arguments ?? string.Empty)}" + (d.Success is false ? " failed" : string.Empty) + (d.Output is { } output ? " → " + OneLine(output) : d.Status is { } ds ? $" ({ds})" : string.Empty),
        McpToolCallItem t => $"mcp: {t.Server}.{t.Tool}" + (t.Error is { } error ? $" failed: {OneLine(error)}" : t.ResultText is { } text ? " → " + OneLine(text) : t.Status is { } st ? $" ({st})" : string.Empty),
        _ => Item.Type,
    };

    /// <summary>Untrusted text as one safe line of at most 120 characters (see <see cref="DisplayText"/>).</summary>
    internal static string OneLine(string text) => DisplayText.Sanitize(text, 120);
}
