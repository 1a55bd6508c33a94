namespace CodexPS.Engine.Undo;

/// <summary>What a turn did to a file (undoing it does the opposite).</summary>
public enum CodexUndoChangeKind
{
    /// <summary>The turn created the file; undo removes it.</summary>
    Add,
    /// <summary>The turn deleted the file; undo recreates it.</summary>
    Delete,
    /// <summary>The turn edited the file; undo edits it back.</summary>
    Update,
    /// <summary>The turn moved (and perhaps edited) the file; undo moves it back.</summary>
    Move,
}
