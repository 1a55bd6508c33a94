using System.Text.Json;

namespace CodexPS.Engine.Protocol;

public sealed class ReasoningItem : CodexItem
{
    internal ReasoningItem(JsonElement json) : base(json)
    {
        Summary = json.Array("summary").Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray();
        Content = json.Array("content").Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray();
    }

    public IReadOnlyList<string> Summary { get; }

    public IReadOnlyList<string> Content { get; }

    /// <inheritdoc/>
    public override string ToString() => string.Join(" ", Summary);
}
