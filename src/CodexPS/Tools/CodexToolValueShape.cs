namespace CodexPS.Tools;

/// <summary>The kind of JSON a parameter takes, with its element's shape for arrays and the .NET type it binds to.</summary>
internal sealed class CodexToolValueShape
{
    public CodexToolValueShape(CodexToolValueKind kind, Type type, CodexToolValueShape? element = null)
    {
        Kind = kind;
        Type = type;
        Element = element;
    }

    public CodexToolValueKind Kind { get; }

    /// <summary>The parameter's type (Nullable unwrapped), or the element type of an array's element.</summary>
    public Type Type { get; }

    public CodexToolValueShape? Element { get; }

    /// <summary>The JSON Schema word for this kind, as error texts for the model say it.</summary>
    public string JsonName => Kind switch
    {
        CodexToolValueKind.String => "a string",
        CodexToolValueKind.Integer => "an integer",
        CodexToolValueKind.Number => "a number",
        CodexToolValueKind.Boolean or CodexToolValueKind.Switch => "true or false",
        CodexToolValueKind.Array => "an array",
        CodexToolValueKind.Dictionary => "an object",
        _ => "any JSON value",
    };
}
