using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>The user's message that started a turn.</summary>
public sealed class UserMessageItem : CodexItem
{
    internal UserMessageItem(JsonElement json) : base(json)
    {
        Text = string.Join(Environment.NewLine, json.Array("content").Where(c => c.Str("type") == "text").Select(c => c.Str("text") ?? string.Empty));
    }

    /// <summary>The message's text parts joined by new lines.</summary>
    public string Text { get; }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
