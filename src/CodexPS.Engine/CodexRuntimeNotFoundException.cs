namespace CodexPS.Engine;

/// <summary>No runtime binary could be found; Searched lists every place that was looked at.</summary>
public sealed class CodexRuntimeNotFoundException : CodexException
{
    /// <summary>Creates the error naming every place the runtime was looked for.</summary>
    public CodexRuntimeNotFoundException(string message, IReadOnlyList<string> searched)
        : base("CodexRuntimeNotFound", message)
    {
        Searched = searched;
    }

    /// <summary>Every place that was searched, in order, so the user can see which one to fix.</summary>
    public IReadOnlyList<string> Searched { get; }
}
