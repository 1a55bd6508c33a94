namespace CodexPS.Tools;

/// <summary>One parameter a tool's schema offers: its name, the JSON it takes and whether the chosen set requires it.</summary>
internal sealed class CodexToolParameter
{
    public CodexToolParameter(string name, CodexToolValueShape shape, bool isMandatory)
    {
        Name = name;
        Shape = shape;
        IsMandatory = isMandatory;
    }

    public string Name { get; }

    public CodexToolValueShape Shape { get; }

    public bool IsMandatory { get; }
}
