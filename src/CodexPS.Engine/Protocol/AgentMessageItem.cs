using System.Text.Json;

namespace CodexPS.Engine.Protocol;

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

    /// <inheritdoc/>
    public override string ToString() => Text;
}
