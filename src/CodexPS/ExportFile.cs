using System.Management.Automation;

namespace CodexPS;

/// <summary>
/// The file rules the Export- cmdlets share (Export-CodexMetrics, Export-CodexTranscript): -Path must be a file path on
/// the file system in an existing folder; an existing file is kept unless -Force; the file is written beside the
/// target and moved over it, so a failure never leaves a half-written or emptied file. ErrorIds are the cmdlet's
/// prefix followed by PathInvalid, DirectoryNotFound, FileExists or WriteFailed.
/// </summary>
internal sealed class ExportFile
{
    private readonly CodexCmdlet _cmdlet;
    private readonly string _errorPrefix;
    private readonly string _what;

    /// <param name="cmdlet">The exporting cmdlet: its session state resolves the path, its errors end it.</param>
    /// <param name="errorPrefix">The ErrorId prefix, e.g. CodexTranscript.</param>
    /// <param name="what">What is written, for messages: "the transcript", "the metrics".</param>
    public ExportFile(CodexCmdlet cmdlet, string errorPrefix, string what)
    {
        _cmdlet = cmdlet;
        _errorPrefix = errorPrefix;
        _what = what;
    }

    /// <summary>The full file-system path to write, or a terminating error that says what is wrong with the path.</summary>
    public string ResolveTarget(string path)
    {
        string target;
        try
        {
            target = _cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                throw new NotSupportedException($"'{path}' is on the {provider.Name} provider, not the file system.");
            }

            if (target.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || Path.GetFileName(target).Length == 0)
            {
                throw new ArgumentException($"'{path}' is not a valid file path.");
            }

            target = Path.GetFullPath(target);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException
            or PSInvalidOperationException or PSNotSupportedException or ItemNotFoundException)
        {
            _cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException($"The path for {_what} '{path}' is not usable: {ex.Message}", ex),
                _errorPrefix + "PathInvalid", ErrorCategory.InvalidArgument, path));
            throw;
        }

        if (Directory.Exists(target))
        {
            _cmdlet.ThrowTerminatingError(Error("PathInvalid", ErrorCategory.InvalidArgument, path, $"'{target}' is a directory; give a file path."));
        }

        var directory = Path.GetDirectoryName(target);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            _cmdlet.ThrowTerminatingError(Error("DirectoryNotFound", ErrorCategory.ObjectNotFound, directory ?? path, $"The folder '{directory}' does not exist; create it first."));
        }

        return target;
    }

    /// <summary>Ends the command when the file exists and -Force was not given.</summary>
    public void CheckOverwrite(string target, bool force)
    {
        if (File.Exists(target) && !force)
        {
            _cmdlet.ThrowTerminatingError(Error("FileExists", ErrorCategory.ResourceExists, target, $"'{target}' already exists and was kept; use -Force to replace it."));
        }
    }

    /// <summary>Writes the file through a temporary one beside it; a failure ends the command and leaves the target as it was.</summary>
    public void Write(string target, bool force, Action<Stream> write)
    {
        var directory = Path.GetDirectoryName(target)!;
        var temporary = Path.Combine(directory, "." + Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
            }

            File.Move(temporary, target, overwrite: force);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            var exists = ex is IOException && File.Exists(target) && !force;
            _cmdlet.ThrowTerminatingError(new ErrorRecord(
                new IOException($"{char.ToUpperInvariant(_what[0])}{_what[1..]} could not be written to '{target}': {ex.Message}", ex),
                _errorPrefix + (exists ? "FileExists" : "WriteFailed"),
                exists ? ErrorCategory.ResourceExists : ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError,
                target));
        }
    }

    private ErrorRecord Error(string suffix, ErrorCategory category, object target, string message) =>
        new(new CodexPS.Engine.CodexException(_errorPrefix + suffix, message), _errorPrefix + suffix, category, target);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing more can be done about a temporary file in a folder that refuses writes.
        }
    }
}
