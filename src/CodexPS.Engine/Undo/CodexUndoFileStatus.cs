namespace CodexPS.Engine.Undo;

/// <summary>What Undo-CodexTurn did, or would do, with one file.</summary>
public enum CodexUndoFileStatus
{
    /// <summary>Planned, not yet done (what -WhatIf shows).</summary>
    Planned,
    /// <summary>Put back as it was before the first undone turn.</summary>
    Restored,
    /// <summary>Changed since the turn; left as it is (with -Force) or the reason nothing was done.</summary>
    Conflict,
}
