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

    public string Label { get; }

    public string? Description { get; }

    /// <inheritdoc/>
    public override string ToString() => Label;
}
