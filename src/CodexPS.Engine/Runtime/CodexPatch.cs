using System.Diagnostics;
using System.Text;

namespace CodexPS.Engine.Runtime;

/// <summary>What a patch does to one file, from the header that names it.</summary>
public enum CodexPatchChangeKind
{
    /// <summary>The patch creates the file (`*** Add File:`).</summary>
    Add,
    /// <summary>The patch edits the file in place (`*** Update File:`).</summary>
    Update,
    /// <summary>The patch removes the file (`*** Delete File:`).</summary>
    Delete,
    /// <summary>The patch edits the file and moves it elsewhere (`*** Move to:` after an update).</summary>
    Move,
}

/// <summary>One file a patch touches. For a move, Path is the new location and MovedFrom the old one.</summary>
public sealed class CodexPatchChange
{
    /// <summary>Describes one file the patch touches; movedFrom is given only for a move.</summary>
    public CodexPatchChange(string path, CodexPatchChangeKind kind, string? movedFrom = null)
    {
        Path = path;
        Kind = kind;
        MovedFrom = movedFrom;
    }

    /// <summary>The file's full path, resolved against the working directory; for a move, its new location.</summary>
    public string Path { get; }

    /// <summary>What the patch does to the file.</summary>
    public CodexPatchChangeKind Kind { get; }

    /// <summary>For a move, the full path the file had before; otherwise null.</summary>
    public string? MovedFrom { get; }

    /// <inheritdoc/>
    public override string ToString() => Path;
}

/// <summary>The runtime refused or failed to apply a patch; its own message is the exception's message.</summary>
public sealed class CodexPatchException : CodexException
{
    /// <summary>Reports a failed patch with the applier's message and exit code, under the error id CodexPatchFailed.</summary>
    public CodexPatchException(string message, int? exitCode)
        : base("CodexPatchFailed", message)
    {
        ExitCode = exitCode;
    }

    /// <summary>The exit code of the runtime's patch applier.</summary>
    public int? ExitCode { get; }
}

/// <summary>
/// Applies Codex-format patches with the runtime's own matcher (`codex --codex-run-as-apply-patch`).
/// The runtime applies hunks one by one and leaves earlier ones in place when a later one fails, so every file
/// the patch names is saved first and put back on failure: a patch applies whole or not at all.
/// </summary>
public static class CodexPatch
{
    private const string AddHeader = "*** Add File: ";
    private const string UpdateHeader = "*** Update File: ";
    private const string DeleteHeader = "*** Delete File: ";
    private const string MoveHeader = "*** Move to: ";

    /// <summary>The files a patch names, in order, with paths resolved against the working directory.</summary>
    public static IReadOnlyList<CodexPatchChange> ParseChanges(string patch, string workingDirectory)
    {
        var changes = new List<CodexPatchChange>();
        foreach (var raw in patch.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith(AddHeader, StringComparison.Ordinal))
            {
                changes.Add(new CodexPatchChange(Resolve(line[AddHeader.Length..], workingDirectory), CodexPatchChangeKind.Add));
            }
            else if (line.StartsWith(UpdateHeader, StringComparison.Ordinal))
            {
                changes.Add(new CodexPatchChange(Resolve(line[UpdateHeader.Length..], workingDirectory), CodexPatchChangeKind.Update));
            }
            else if (line.StartsWith(DeleteHeader, StringComparison.Ordinal))
            {
                changes.Add(new CodexPatchChange(Resolve(line[DeleteHeader.Length..], workingDirectory), CodexPatchChangeKind.Delete));
            }
            else if (line.StartsWith(MoveHeader, StringComparison.Ordinal) && changes.Count > 0 && changes[^1].Kind == CodexPatchChangeKind.Update)
            {
                var from = changes[^1].Path;
                changes[^1] = new CodexPatchChange(Resolve(line[MoveHeader.Length..], workingDirectory), CodexPatchChangeKind.Move, from);
            }
        }

        return changes;
    }

    /// <summary>Runs the runtime's patch applier in the working directory; on failure every named file is restored.</summary>
    public static async Task<string> ApplyAsync(string codexPath, string patch, string workingDirectory, CancellationToken cancellationToken)
    {
        var changes = ParseChanges(patch, workingDirectory);
        var backup = Backup.Take(changes);
        var start = new ProcessStartInfo(codexPath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("--codex-run-as-apply-patch");
        start.ArgumentList.Add(patch);
        start.Environment["RUST_LOG"] = "warn";

        int exitCode;
        string stdout;
        string stderr;
        using (var process = Process.Start(start) ?? throw new CodexException("CodexPatchFailed", $"Could not start '{codexPath}'."))
        {
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                stdout = await output.ConfigureAwait(false);
                stderr = await error.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    process.Kill();
                }
                catch (InvalidOperationException)
                {
                    // It ended on its own meanwhile.
                }

                backup.Restore();
                throw;
            }

            exitCode = process.ExitCode;
        }

        if (exitCode != 0)
        {
            backup.Restore();
            var message = stderr.Trim();
            if (message.Length == 0)
            {
                message = stdout.Trim();
            }

            throw new CodexPatchException(message.Length == 0 ? $"The patch applier exited with code {exitCode}." : message, exitCode);
        }

        return stdout;
    }

    private static string Resolve(string path, string workingDirectory) =>
        Path.GetFullPath(Path.Combine(workingDirectory, path.Trim()));

    /// <summary>The content (or absence) of each file before the patch, and the folders that did not exist.</summary>
    internal sealed class Backup
    {
        private readonly Dictionary<string, byte[]?> _files = new(StringComparer.Ordinal);
        private readonly List<string> _missingDirectories = new();

        public static Backup Take(IEnumerable<CodexPatchChange> changes)
        {
            var backup = new Backup();
            foreach (var change in changes)
            {
                backup.Save(change.Path);
                if (change.MovedFrom is not null)
                {
                    backup.Save(change.MovedFrom);
                }
            }

            return backup;
        }

        private void Save(string path)
        {
            if (_files.ContainsKey(path))
            {
                return;
            }

            _files[path] = File.Exists(path) ? File.ReadAllBytes(path) : null;
            for (var dir = Path.GetDirectoryName(path); dir is not null && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir))
            {
                if (!_missingDirectories.Contains(dir))
                {
                    _missingDirectories.Add(dir);
                }
            }
        }

        public void Restore()
        {
            foreach (var (path, content) in _files)
            {
                try
                {
                    if (content is null)
                    {
                        if (File.Exists(path))
                        {
                            File.Delete(path);
                        }
                    }
                    else
                    {
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        File.WriteAllBytes(path, content);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Best effort: the failure being reported matters more than one file that could not be put back.
                }
            }

            // Deepest first, and only when empty: folders the patch created.
            foreach (var dir in _missingDirectories.OrderByDescending(d => d.Length))
            {
                try
                {
                    if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
                    {
                        Directory.Delete(dir);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Left behind, empty.
                }
            }
        }
    }
}
