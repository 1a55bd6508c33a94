using System.Text.Json;

namespace CodexPS.Engine.Protocol;

public sealed class UserMessageItem : CodexItem
{
    internal UserMessageItem(JsonElement json) : base(json)
    {
        Text = string.Join(Environment.NewLine, json.Array("content").Where(c => c.Str("type") == "text").Select(c => c.Str("text") ?? string.Empty));
    }

    public string Text { get; }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
