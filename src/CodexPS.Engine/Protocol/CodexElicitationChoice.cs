namespace CodexPS.Engine.Protocol;

/// <summary>A value an MCP elicitation form offers (an enum member), with its display title when it has one.</summary>
public sealed class CodexElicitationChoice
{
    internal CodexElicitationChoice(string value, string? title)
    {
        Value = value;
        Title = title;
    }

    /// <summary>The value sent back when this choice is taken.</summary>
    public string Value { get; }

    /// <summary>The text shown for the choice; null when the schema gives none.</summary>
    public string? Title { get; }

    /// <inheritdoc/>
    public override string ToString() => Title is null || Title == Value ? Value : $"{Title} ({Value})";
}
