namespace CodexPS.Engine;

/// <summary>No runtime binary could be found; Searched lists every place that was looked at.</summary>
public sealed class CodexRuntimeNotFoundException : CodexException
{
    public CodexRuntimeNotFoundException(string message, IReadOnlyList<string> searched)
        : base("CodexRuntimeNotFound", message)
    {
        Searched = searched;
    }

    public IReadOnlyList<string> Searched { get; }
}
