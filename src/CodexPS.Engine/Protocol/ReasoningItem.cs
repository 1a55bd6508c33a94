using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>The model's reasoning in a turn: its summary and, when the runtime shares it, the raw content.</summary>
public sealed class ReasoningItem : CodexItem
{
    internal ReasoningItem(JsonElement json) : base(json)
    {
        Summary = json.Array("summary").Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray();
        Content = json.Array("content").Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray();
    }

    /// <summary>The reasoning summary parts.</summary>
    public IReadOnlyList<string> Summary { get; }

    /// <summary>The raw reasoning text parts, when the runtime shares them.</summary>
    public IReadOnlyList<string> Content { get; }

    /// <inheritdoc/>
    public override string ToString() => string.Join(" ", Summary);
}
