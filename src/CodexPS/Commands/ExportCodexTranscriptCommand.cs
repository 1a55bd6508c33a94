using System.Management.Automation;
using CodexPS.Engine;
using CodexPS.Engine.Persistence;
using CodexPS.Engine.Transcripts;

namespace CodexPS.Commands;

/// <summary>
/// Writes a conversation as a transcript a person can read and share: Markdown, one self-contained HTML page, or JSON.
/// Built from the saved history, so it works for conversations of earlier sessions as well as live ones.
/// </summary>
[Cmdlet(VerbsData.Export, "CodexTranscript", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportCodexTranscriptCommand : ConversationHistoryCmdlet
{
    private string? _target;

    /// <summary>The file to write.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Markdown, Html or Json; by default the one the file's extension names (.html/.htm, .json), else Markdown.</summary>
    [Parameter(Position = 2)]
    public CodexTranscriptFormat Format { get; set; } = CodexTranscriptFormat.Markdown;

    /// <summary>
    /// CodexPS recordings of the conversation (Start-CodexRecording, -RecordTo) whose approvals and decisions go into
    /// the transcript; the runtime's history keeps none. A loaded conversation's running JSONL recordings are read anyway.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? RecordingPath { get; set; }

    /// <summary>Replaces an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Writes the file's FileInfo.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _target = ResolveTarget();
        if (!MyInvocation.BoundParameters.ContainsKey(nameof(Format)))
        {
            Format = System.IO.Path.GetExtension(_target).ToUpperInvariant() switch
            {
                ".HTML" or ".HTM" => CodexTranscriptFormat.Html,
                ".JSON" => CodexTranscriptFormat.Json,
                _ => CodexTranscriptFormat.Markdown,
            };
        }
    }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var target = _target!;
        var id = Conversation?.Id ?? ConversationId!;
        if (File.Exists(target) && !Force)
        {
            ThrowTerminatingError(NewError("CodexTranscriptFileExists", ErrorCategory.ResourceExists, target,
                $"'{target}' already exists and was kept; use -Force to replace it."));
        }

        var recordings = new List<string>();
        foreach (var given in RecordingPath ?? Array.Empty<string>())
        {
            var recording = ToFileSystemPath(given, out _);
            if (recording is null || !File.Exists(recording))
            {
                WriteError(NewError("CodexRecordingNotFound", ErrorCategory.ObjectNotFound, given, $"The recording '{recording ?? given}' does not exist."));
                return;
            }

            recordings.Add(recording);
        }

        var loaded = Conversation ?? RuntimeRegistry.FindConversation(id);
        if (loaded is not null)
        {
            // A Json recording is written whole only when it stops; a running JSONL one holds every entry so far.
            recordings.AddRange(loaded.Recordings.Where(r => r.Format == CodexRecordingFormat.Jsonl && File.Exists(r.Path)).Select(r => r.Path));
        }

        CodexTranscript transcript;
        try
        {
            transcript = Await(CodexTranscript.ReadAsync(loaded?.Client ?? HistoryClient, id, recordings, CancellationToken));
        }
        catch (CodexSessionFileException ex)
        {
            WriteError(ex.ErrorId == "CodexTranscriptRecordingInvalid"
                ? new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidData, ex.Path)
                : ToErrorRecord(ex, ex.Path));
            return;
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, (object?)Conversation ?? id));
            return;
        }

        if (!ShouldProcess(target, $"Export the transcript of conversation {id} ({transcript.Turns.Count} turn{(transcript.Turns.Count == 1 ? string.Empty : "s")}) as {Format}"))
        {
            return;
        }

        var directory = System.IO.Path.GetDirectoryName(target)!;
        var temporary = System.IO.Path.Combine(directory, "." + System.IO.Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            // Written beside the target and moved over it, so a failure never leaves a half-written or emptied file.
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                CodexTranscriptWriter.Write(stream, Format, transcript, DateTimeOffset.Now);
            }

            File.Move(temporary, target, overwrite: Force.IsPresent);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            var exists = ex is IOException && File.Exists(target) && !Force;
            ThrowTerminatingError(new ErrorRecord(
                new IOException($"The transcript could not be written to '{target}': {ex.Message}", ex),
                exists ? "CodexTranscriptFileExists" : "CodexTranscriptWriteFailed",
                exists ? ErrorCategory.ResourceExists : ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError,
                target));
        }

        WriteVerbose($"Wrote {transcript.Turns.Count} turns of conversation {id} to {target} ({Format}).");
        if (PassThru)
        {
            WriteObject(new FileInfo(target));
        }
    }

    /// <summary>The full file-system path to write, or a terminating error that says what is wrong with -Path (the rules of Export-CodexMetrics).</summary>
    private string ResolveTarget()
    {
        string target;
        try
        {
            target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path, out var provider, out _);
            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                throw new NotSupportedException($"'{Path}' is on the {provider.Name} provider, not the file system.");
            }

            if (target.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0 || System.IO.Path.GetFileName(target).Length == 0)
            {
                throw new ArgumentException($"'{Path}' is not a valid file path.");
            }

            target = System.IO.Path.GetFullPath(target);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException
            or PSInvalidOperationException or PSNotSupportedException or ItemNotFoundException)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"The transcript path '{Path}' is not usable: {ex.Message}", ex),
                "CodexTranscriptPathInvalid", ErrorCategory.InvalidArgument, Path));
            throw;
        }

        if (Directory.Exists(target))
        {
            ThrowTerminatingError(NewError("CodexTranscriptPathInvalid", ErrorCategory.InvalidArgument, Path, $"'{target}' is a directory; give a file path."));
        }

        var directory = System.IO.Path.GetDirectoryName(target);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            ThrowTerminatingError(NewError("CodexTranscriptDirectoryNotFound", ErrorCategory.ObjectNotFound, directory ?? Path,
                $"The folder '{directory}' does not exist; create it first."));
        }

        return target;
    }

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
