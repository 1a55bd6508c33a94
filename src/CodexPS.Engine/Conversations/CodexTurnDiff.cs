using System.Text.RegularExpressions;

namespace CodexPS.Engine.Conversations;

/// <summary>The aggregated unified diff of one turn (the last turn/diff/updated the runtime sent for it).</summary>
public sealed partial class CodexTurnDiff
{
    /// <summary>Keeps a turn's diff and splits it into one <see cref="CodexDiffFile"/> per file.</summary>
    public CodexTurnDiff(string conversationId, string turnId, string diff)
    {
        ConversationId = conversationId;
        TurnId = turnId;
        Diff = diff;
        Files = Split(conversationId, turnId, diff);
    }

    /// <summary>The conversation the turn belongs to.</summary>
    public string ConversationId { get; }

    /// <summary>The turn that made the changes.</summary>
    public string TurnId { get; }

    /// <summary>The whole diff in git's unified format, paths relative to the turn's working directory.</summary>
    public string Diff { get; }

    /// <summary>The diff split per file, in the order the diff lists them.</summary>
    public IReadOnlyList<CodexDiffFile> Files { get; }

    /// <inheritdoc/>
    public override string ToString() => Diff;

    /// <summary>One entry per "diff --git" section, with its kind from the section's header lines.</summary>
    private static CodexDiffFile[] Split(string conversationId, string turnId, string diff)
    {
        var files = new List<CodexDiffFile>();
        var starts = DiffHeader().Matches(diff).Select(m => m.Index).ToList();
        for (var i = 0; i < starts.Count; i++)
        {
            var end = i + 1 < starts.Count ? starts[i + 1] : diff.Length;
            var section = diff[starts[i]..end];
            var header = DiffHeader().Match(section);
            var oldPath = header.Groups["a"].Value;
            var newPath = header.Groups["b"].Value;
            var headerLines = section.Split('\n').TakeWhile(l => !l.StartsWith("@@", StringComparison.Ordinal)).ToArray();
            bool Has(string prefix) => headerLines.Any(l => l.StartsWith(prefix, StringComparison.Ordinal));
            var kind = Has("new file mode") ? CodexDiffKind.Add
                : Has("deleted file mode") ? CodexDiffKind.Delete
                : Has("rename from") || oldPath != newPath ? CodexDiffKind.Rename
                : CodexDiffKind.Update;
            files.Add(new CodexDiffFile(conversationId, turnId, kind == CodexDiffKind.Delete ? oldPath : newPath,
                kind == CodexDiffKind.Rename ? oldPath : null, kind, section));
        }

        return files.ToArray();
    }

    [GeneratedRegex(@"^diff --git a/(?<a>.+?) b/(?<b>.+?)$", RegexOptions.Multiline)]
    private static partial Regex DiffHeader();
}

/// <summary>What a turn did to one file, from its section's git header.</summary>
public enum CodexDiffKind
{
    /// <summary>The file was created.</summary>
    Add,
    /// <summary>The file was deleted.</summary>
    Delete,
    /// <summary>The file's content changed in place.</summary>
    Update,
    /// <summary>The file was renamed (its content may also have changed).</summary>
    Rename,
}

/// <summary>One file of a turn's diff: its path (relative, as the runtime wrote it), what happened to it, and its part of the diff.</summary>
public sealed record CodexDiffFile(string ConversationId, string TurnId, string Path, string? OldPath, CodexDiffKind Kind, string Diff)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Path}";
}
