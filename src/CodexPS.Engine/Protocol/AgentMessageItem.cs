using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>A message the agent wrote to the user in a turn.</summary>
public sealed class AgentMessageItem : CodexItem
{
    internal AgentMessageItem(JsonElement json) : base(json)
    {
        Text = json.Str("text") ?? string.Empty;
        Phase = json.Str("phase") is { } phase ? Protocol.Json.Pascal(phase) : null;
    }

    /// <summary>The message's text; empty when the runtime sent none.</summary>
    public string Text { get; }

    /// <summary>Commentary, FinalAnswer or PartialAnswer; null when the runtime gives none.</summary>
    public string? Phase { get; }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
