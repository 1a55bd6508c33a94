using System.Text.RegularExpressions;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Undo;

/// <summary>Turns what the runtime reported about a turn's file changes into <see cref="CodexUndoStep"/>s.</summary>
internal static partial class CodexUndoStepReader
{
    /// <summary>
    /// The steps of a turn diff. Its paths are relative to the repository root when the working directory is in a
    /// git repository (the runtime's turn diff tracker renders them so), else to the working directory.
    /// </summary>
    public static IEnumerable<CodexUndoStep> FromTurnDiff(CodexTurnDiff diff, string baseDirectory, int unit)
    {
        foreach (var file in diff.Files)
        {
            var index = IndexLine().Match(file.Diff);
            var oldBlob = index.Success ? index.Groups["old"].Value : null;
            var newBlob = index.Success ? index.Groups["new"].Value : null;
            var binary = file.Diff.Contains("\nBinary files ", StringComparison.Ordinal) || file.Diff.Contains("GIT binary patch", StringComparison.Ordinal);
            var hunks = binary ? null : UnifiedDiffHunk.ParseAll(file.Diff);
            var unsupported = binary ? "the turn changed it as a binary file" : hunks is null ? "the turn's diff of it cannot be read" : null;
            hunks ??= System.Array.Empty<UnifiedDiffHunk>();
            var path = Resolve(baseDirectory, file.Path);
            switch (file.Kind)
            {
                case CodexDiffKind.Add:
                    yield return new CodexUndoStep(diff.TurnId, unit, CodexUndoChangeKind.Add, path, null)
                    {
                        Content = new TextContent(hunks.SelectMany(h => h.NewLines).ToArray(), !hunks.Any(h => h.NewNoNewline)),
                        NewBlobId = newBlob,
                        Unsupported = unsupported,
                    };
                    break;
                case CodexDiffKind.Delete:
                    yield return new CodexUndoStep(diff.TurnId, unit, CodexUndoChangeKind.Delete, path, null)
                    {
                        Content = new TextContent(hunks.SelectMany(h => h.OldLines).ToArray(), !hunks.Any(h => h.OldNoNewline)),
                        Unsupported = unsupported ?? (oldBlob is null ? null : CheckBlob(hunks, oldBlob)),
                    };
                    break;
                case CodexDiffKind.Rename:
                    yield return new CodexUndoStep(diff.TurnId, unit, CodexUndoChangeKind.Move, path, Resolve(baseDirectory, file.OldPath ?? file.Path))
                    {
                        Hunks = hunks,
                        NewBlobId = newBlob,
                        Unsupported = unsupported,
                    };
                    break;
                default:
                    yield return new CodexUndoStep(diff.TurnId, unit, CodexUndoChangeKind.Update, path, null)
                    {
                        Hunks = hunks,
                        NewBlobId = newBlob,
                        Unsupported = unsupported,
                    };
                    break;
            }
        }
    }

    /// <summary>The steps of a fileChange item read back from the thread (absolute paths; no blob ids).</summary>
    public static IEnumerable<CodexUndoStep> FromFileChange(string turnId, FileChangeItem item, int unit)
    {
        foreach (var change in item.Changes)
        {
            var diff = change.Diff ?? string.Empty;
            switch (change.Kind)
            {
                case "Add":
                    yield return new CodexUndoStep(turnId, unit, CodexUndoChangeKind.Add, change.Path, null) { Content = TextContent.FromText(diff) };
                    break;
                case "Delete":
                    yield return new CodexUndoStep(turnId, unit, CodexUndoChangeKind.Delete, change.Path, null) { Content = TextContent.FromText(diff) };
                    break;
                default:
                    var hunks = UnifiedDiffHunk.ParseAll(diff);
                    var moved = change.MovePath is { Length: > 0 } movePath && movePath != change.Path;
                    yield return new CodexUndoStep(turnId, unit, moved ? CodexUndoChangeKind.Move : CodexUndoChangeKind.Update,
                        moved ? change.MovePath! : change.Path, moved ? change.Path : null)
                    {
                        Hunks = hunks ?? System.Array.Empty<UnifiedDiffHunk>(),
                        Unsupported = hunks is null ? "the turn's diff of it cannot be read" : null,
                    };
                    break;
            }
        }
    }

    /// <summary>The folder a turn diff's relative paths start from: the git repository root above the working directory, else the working directory.</summary>
    public static string DiffBase(string workingDirectory)
    {
        for (var dir = new DirectoryInfo(workingDirectory); dir is not null; dir = dir.Parent)
        {
            var git = System.IO.Path.Combine(dir.FullName, ".git");
            if (Directory.Exists(git) || File.Exists(git))
            {
                return dir.FullName;
            }
        }

        return workingDirectory;
    }

    private static string Resolve(string baseDirectory, string path) => System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, path));

    /// <summary>A deletion's recorded lines must be the whole deleted file; its blob id proves it.</summary>
    private static string? CheckBlob(IReadOnlyList<UnifiedDiffHunk> hunks, string oldBlob)
    {
        var content = new TextContent(hunks.SelectMany(h => h.OldLines).ToArray(), !hunks.Any(h => h.OldNoNewline));
        return string.Equals(TextContent.GitBlobId(content.ToBytes()), oldBlob, StringComparison.OrdinalIgnoreCase)
            ? null
            : "the turn's diff does not hold the whole deleted file";
    }

    [GeneratedRegex(@"^index (?<old>[0-9a-f]+)\.\.(?<new>[0-9a-f]+)", RegexOptions.Multiline)]
    private static partial Regex IndexLine();
}
