namespace CodexPS.Engine.Undo;

/// <summary>An undo refused or failed; <see cref="Target"/> is what it is about (a turn id, a file, the conversation).</summary>
public sealed class CodexUndoException : CodexException
{
    /// <summary>Reports an undo failure under a stable error id, naming what it is about.</summary>
    public CodexUndoException(string errorId, string message, object? target, Exception? inner = null)
        : base(errorId, message, inner)
    {
        Target = target;
    }

    /// <summary>The turn id, path or conversation the error is about.</summary>
    public object? Target { get; }
}
