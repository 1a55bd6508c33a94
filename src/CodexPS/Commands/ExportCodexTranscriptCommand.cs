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
    private ExportFile? _file;

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
        _file = new ExportFile(this, "CodexTranscript", "the transcript");
        _target = _file.ResolveTarget(Path);
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
        _file!.CheckOverwrite(target, Force);

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

        _file.Write(target, Force, stream => CodexTranscriptWriter.Write(stream, Format, transcript, DateTimeOffset.Now));
        WriteVerbose($"Wrote {transcript.Turns.Count} turns of conversation {id} to {target} ({Format}).");
        if (PassThru)
        {
            WriteObject(new FileInfo(target));
        }
    }
}
