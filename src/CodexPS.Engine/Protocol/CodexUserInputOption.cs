using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>One choice the model offers for a question (request_user_input).</summary>
public sealed class CodexUserInputOption
{
    internal CodexUserInputOption(JsonElement option)
    {
        Label = option.Str("label") ?? string.Empty;
        Description = option.Str("description");
    }

    /// <summary>The choice's text, sent back as the answer when it is picked.</summary>
    public string Label { get; }

    /// <summary>What picking this choice means; null when the model gives no explanation.</summary>
    public string? Description { get; }

    /// <inheritdoc/>
    public override string ToString() => Label;
}
