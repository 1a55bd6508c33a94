namespace CodexPS.Engine.Undo;

/// <summary>One file an undo puts back: what it does to it, which turns had changed it, and how it went.</summary>
public sealed class CodexUndoFile
{
    internal CodexUndoFile(string conversationId, string path, string action, IReadOnlyList<string> turnIds)
    {
        ConversationId = conversationId;
        Path = path;
        Action = action;
        TurnIds = turnIds;
    }

    /// <summary>The conversation whose turns are undone.</summary>
    public string ConversationId { get; }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>Restore (edited back), Remove (the turns created it), Recreate (the turns deleted it), or Unchanged.</summary>
    public string Action { get; }

    /// <summary>The undone turns that changed the file, newest first.</summary>
    public IReadOnlyList<string> TurnIds { get; }

    /// <summary>Planned, Restored or Conflict.</summary>
    public CodexUndoFileStatus Status { get; internal set; } = CodexUndoFileStatus.Planned;

    /// <summary>Why the file is in conflict; null otherwise.</summary>
    public string? Reason { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => $"{Action} {Path}";
}
