using System.Text;
using CodexPS.Engine.Runtime;

namespace CodexPS.Engine.Undo;

/// <summary>
/// What undoing a conversation's turns from one turn onward does to files: every change those turns made, checked
/// against the disk newest first and reversed in memory, so conflicts are known before anything is touched.
/// </summary>
public sealed class CodexUndoPlan
{
    private readonly IReadOnlyList<CodexUndoStep> _steps;
    private readonly Dictionary<string, TextContent?> _expected;
    private readonly Dictionary<string, string> _conflicts;

    private CodexUndoPlan(string conversationId, IReadOnlyList<string> turnIds, IReadOnlyList<CodexUndoStep> steps,
        Dictionary<string, TextContent?> expected, Dictionary<string, string> conflicts, IReadOnlyList<CodexUndoFile> files)
    {
        ConversationId = conversationId;
        TurnIds = turnIds;
        _steps = steps;
        _expected = expected;
        _conflicts = conflicts;
        Files = files;
    }

    /// <summary>The conversation.</summary>
    public string ConversationId { get; }

    /// <summary>The turns undone, oldest first: the given turn and every later one.</summary>
    public IReadOnlyList<string> TurnIds { get; }

    /// <summary>The turn the history is cut before (the first of <see cref="TurnIds"/>).</summary>
    public string BeforeTurnId => TurnIds[0];

    /// <summary>The files the undo puts back (or would, or cannot), ordered by path.</summary>
    public IReadOnlyList<CodexUndoFile> Files { get; }

    /// <summary>The files that changed since the turns and so cannot be put back.</summary>
    public IReadOnlyList<CodexUndoFile> Conflicts => Files.Where(f => f.Status == CodexUndoFileStatus.Conflict).ToArray();

    /// <summary>Checks every step, newest first, against the disk (the newest step of a file) or the state the newer steps imply.</summary>
    internal static CodexUndoPlan Build(string conversationId, IReadOnlyList<string> turnIds, IReadOnlyList<CodexUndoStep> newestFirst)
    {
        var state = new Dictionary<string, TextContent?>(StringComparer.Ordinal);
        var disk = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        var conflicts = new Dictionary<string, string>(StringComparer.Ordinal);
        var turnsOf = new Dictionary<string, List<string>>(StringComparer.Ordinal);

        byte[]? Current(string path)
        {
            if (state.TryGetValue(path, out var simulated))
            {
                return simulated?.ToBytes();
            }

            if (!disk.TryGetValue(path, out var bytes))
            {
                bytes = File.Exists(path) ? File.ReadAllBytes(path) : null;
                disk[path] = bytes;
            }

            return bytes;
        }

        void Touch(string path, string turnId)
        {
            if (!turnsOf.TryGetValue(path, out var list))
            {
                turnsOf[path] = list = new List<string>();
            }

            if (!list.Contains(turnId))
            {
                list.Add(turnId);
            }
        }

        foreach (var step in newestFirst)
        {
            Touch(step.Path, step.TurnId);
            if (step.OriginalPath is not null)
            {
                Touch(step.OriginalPath, step.TurnId);
            }

            if (conflicts.ContainsKey(step.Path) || (step.OriginalPath is not null && conflicts.ContainsKey(step.OriginalPath)))
            {
                continue;
            }

            var newest = !state.ContainsKey(step.Path);
            if (!step.TryReverse(Current(step.Path), out var before, out var mismatch))
            {
                conflicts[step.Path] = newest ? $"{mismatch} (turn {step.TurnId})" : $"turn {step.TurnId}'s recorded change does not fit the later turns' ({mismatch})";
                continue;
            }

            switch (step.Kind)
            {
                case CodexUndoChangeKind.Move:
                    if (Current(step.OriginalPath!) is not null)
                    {
                        conflicts[step.OriginalPath!] = $"a file exists again where turn {step.TurnId} moved it from";
                        continue;
                    }

                    state[step.Path] = null;
                    state[step.OriginalPath!] = before;
                    break;
                case CodexUndoChangeKind.Add:
                    state[step.Path] = null;
                    break;
                default:
                    state[step.Path] = before;
                    break;
            }
        }

        // A move ties its two paths: one side in conflict leaves both as they are.
        bool spread;
        do
        {
            spread = false;
            foreach (var step in newestFirst.Where(s => s.OriginalPath is not null))
            {
                var a = conflicts.TryGetValue(step.Path, out var ra);
                var b = conflicts.TryGetValue(step.OriginalPath!, out var rb);
                if (a != b)
                {
                    conflicts[a ? step.OriginalPath! : step.Path] = $"it moved with {(a ? step.Path : step.OriginalPath)}, which {(a ? ra : rb)}";
                    spread = true;
                }
            }
        }
        while (spread);

        var files = new List<CodexUndoFile>();
        foreach (var path in turnsOf.Keys.OrderBy(p => p, StringComparer.Ordinal))
        {
            var now = disk.TryGetValue(path, out var d) ? d is not null : File.Exists(path);
            state.TryGetValue(path, out var then);
            var action = conflicts.ContainsKey(path) ? (now ? "Restore" : "Recreate")
                : now && then is null ? "Remove"
                : !now && then is not null ? "Recreate"
                : !now ? "Unchanged"
                : "Restore";
            var file = new CodexUndoFile(conversationId, path, action, turnsOf[path]);
            if (conflicts.TryGetValue(path, out var reason))
            {
                file.Status = CodexUndoFileStatus.Conflict;
                file.Reason = reason;
            }

            files.Add(file);
        }

        return new CodexUndoPlan(conversationId, turnIds, newestFirst, state, conflicts, files);
    }

    /// <summary>The Codex-format patches that reverse the steps of files not in conflict, one per change group, newest first.</summary>
    public IReadOnlyList<string> Patches()
    {
        var patches = new List<string>();
        foreach (var unit in Active().GroupBy(s => s.Unit))
        {
            var text = new StringBuilder("*** Begin Patch\n");
            foreach (var step in unit.Reverse())
            {
                switch (step.Kind)
                {
                    case CodexUndoChangeKind.Add:
                        text.Append("*** Delete File: ").Append(step.Path).Append('\n');
                        break;
                    case CodexUndoChangeKind.Delete:
                        text.Append("*** Add File: ").Append(step.Path).Append('\n');
                        foreach (var line in step.Content!.Lines)
                        {
                            text.Append('+').Append(line).Append('\n');
                        }

                        break;
                    default:
                        text.Append("*** Update File: ").Append(step.Path).Append('\n');
                        if (step.OriginalPath is not null)
                        {
                            text.Append("*** Move to: ").Append(step.OriginalPath).Append('\n');
                        }

                        foreach (var hunk in step.Hunks)
                        {
                            text.Append("@@\n");
                            foreach (var (op, line) in hunk.Lines)
                            {
                                text.Append(op switch { '+' => '-', '-' => '+', _ => ' ' }).Append(line).Append('\n');
                            }
                        }

                        break;
                }
            }

            patches.Add(text.Append("*** End Patch").ToString());
        }

        return patches;
    }

    /// <summary>
    /// Applies the reversing patches with the runtime's matcher, newest first, and checks every file against the
    /// content computed in memory. Any failure puts every file back as it was and throws CodexUndoFailed.
    /// Returns the snapshot taken before, so a later failure (the history revert) can still put the files back.
    /// </summary>
    internal async Task<CodexPatch.Backup> ApplyAsync(string codexPath, string workingDirectory, CancellationToken cancellationToken)
    {
        var paths = Active().SelectMany(s => s.OriginalPath is null ? new[] { s.Path } : new[] { s.Path, s.OriginalPath }).Distinct(StringComparer.Ordinal).ToArray();
        var backup = CodexPatch.Backup.Take(paths.Select(p => new CodexPatchChange(p, CodexPatchChangeKind.Update)));
        try
        {
            foreach (var patch in Patches())
            {
                await CodexPatch.ApplyAsync(codexPath, patch, workingDirectory, cancellationToken).ConfigureAwait(false);
            }

            foreach (var path in paths)
            {
                Verify(path, _expected[path]);
            }

            foreach (var file in Files.Where(f => f.Status == CodexUndoFileStatus.Planned))
            {
                file.Status = CodexUndoFileStatus.Restored;
            }

            return backup;
        }
        catch (CodexPatchException ex)
        {
            backup.Restore();
            throw new CodexUndoException("CodexUndoFailed", $"The runtime's patch matcher could not reverse the turns' changes; every file was put back as it was. {ex.Message}", ConversationId, ex);
        }
        catch
        {
            backup.Restore();
            throw;
        }
    }

    private IEnumerable<CodexUndoStep> Active() =>
        _steps.Where(s => !_conflicts.ContainsKey(s.Path) && (s.OriginalPath is null || !_conflicts.ContainsKey(s.OriginalPath)));

    /// <summary>
    /// The runtime's patch writer always ends a file with a newline; when the file had none before the turn,
    /// that one byte is taken off again. Any other difference fails the undo.
    /// </summary>
    private static void Verify(string path, TextContent? expected)
    {
        var exists = File.Exists(path);
        if (expected is null)
        {
            if (exists)
            {
                throw new CodexUndoException("CodexUndoFailed", $"After undoing, '{path}' still exists; every file was put back as it was.", path);
            }

            return;
        }

        var want = expected.ToBytes();
        var have = exists ? File.ReadAllBytes(path) : null;
        if (have is not null && have.AsSpan().SequenceEqual(want))
        {
            return;
        }

        if (have is not null && !expected.FinalNewline && have.Length == want.Length + 1 && have[^1] == (byte)'\n' && have.AsSpan(0, want.Length).SequenceEqual(want))
        {
            File.WriteAllBytes(path, want);
            return;
        }

        throw new CodexUndoException("CodexUndoFailed",
            $"After undoing, '{path}' is not what it was before the turns (the runtime's matcher placed a change elsewhere); every file was put back as it was.", path);
    }
}
