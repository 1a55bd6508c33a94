namespace CodexPS.Engine.Undo;

/// <summary>
/// One file change of one turn, in a form that can be checked against the disk and reversed: from a turn diff
/// CodexPS saw (turn/diff/updated, with git blob ids) or from a fileChange item read back from the thread.
/// </summary>
public sealed class CodexUndoStep
{
    internal CodexUndoStep(string turnId, int unit, CodexUndoChangeKind kind, string path, string? originalPath)
    {
        TurnId = turnId;
        Unit = unit;
        Kind = kind;
        Path = path;
        OriginalPath = originalPath;
    }

    /// <summary>The turn that made the change.</summary>
    public string TurnId { get; }

    /// <summary>The change's group: one turn diff, or one fileChange item; each group is reversed by one patch.</summary>
    internal int Unit { get; }

    /// <summary>What the turn did.</summary>
    public CodexUndoChangeKind Kind { get; }

    /// <summary>The file's full path after the change (for a deletion, the path it had).</summary>
    public string Path { get; }

    /// <summary>For a move, the full path the file had before.</summary>
    public string? OriginalPath { get; }

    /// <summary>Update and Move: the hunks of the change.</summary>
    internal IReadOnlyList<UnifiedDiffHunk> Hunks { get; init; } = System.Array.Empty<UnifiedDiffHunk>();

    /// <summary>Add: the content the turn wrote; Delete: the content the file had.</summary>
    internal TextContent? Content { get; init; }

    /// <summary>Git blob id of the file after the change (turn diffs only); null when unknown.</summary>
    internal string? NewBlobId { get; init; }

    /// <summary>Why this change cannot be reversed (a binary file, a diff CodexPS cannot read); null when it can.</summary>
    internal string? Unsupported { get; init; }

    /// <summary>The file after the change is exactly <paramref name="current"/> (null: absent), or why not; on success, what it was before.</summary>
    internal bool TryReverse(byte[]? current, out TextContent? before, out string? mismatch)
    {
        before = null;
        mismatch = null;
        if (Unsupported is not null)
        {
            mismatch = Unsupported;
            return false;
        }

        if (Kind == CodexUndoChangeKind.Delete)
        {
            if (current is not null)
            {
                mismatch = "the turn deleted it and it exists again";
                return false;
            }

            before = Content;
            return true;
        }

        if (current is null)
        {
            mismatch = "it no longer exists";
            return false;
        }

        if (NewBlobId is not null && !string.Equals(TextContent.GitBlobId(current), NewBlobId, StringComparison.OrdinalIgnoreCase))
        {
            mismatch = "its content differs from what the turn left";
            return false;
        }

        var text = TextContent.FromBytes(current);
        if (text is null)
        {
            mismatch = "it is not UTF-8 text";
            return false;
        }

        if (Kind == CodexUndoChangeKind.Add)
        {
            if (Content is not null && !text.SameAs(Content))
            {
                mismatch = "its content differs from what the turn created";
                return false;
            }

            return true;
        }

        before = text.Unapply(Hunks, out var where);
        if (before is null)
        {
            mismatch = $"it changed since the turn ({where})";
            return false;
        }

        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Path}";
}
