using System.Management.Automation;
using CodexPS.Engine;
using CodexPS.Engine.Persistence;

namespace CodexPS.Commands;

/// <summary>Starts recording everything a conversation does to a JSONL or Json file.</summary>
[Cmdlet(VerbsLifecycle.Start, "CodexRecording", DefaultParameterSetName = ObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(CodexRecording))]
public sealed class StartCodexRecordingCommand : LoadedConversationCmdlet
{
    /// <summary>The file to write; {sessionId}, {conversationId}, {timestamp} and {date} are expanded.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Jsonl (a line per event, flushed at once) or Json (one document when the recording stops); default by extension.</summary>
    [Parameter]
    public CodexRecordingFormat? Format { get; set; }

    /// <summary>Writes the recording object.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void BeginProcessing()
    {
        try
        {
            RecordingSupport.CheckTemplate(Path);
        }
        catch (CodexException ex)
        {
            ThrowTerminatingError(RecordingSupport.ToErrorRecord(ex, Path));
        }
    }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var conversation = ResolveConversation();
        if (conversation is null)
        {
            return;
        }

        var path = RecordingSupport.Resolve(this, conversation, Path);
        if (!ShouldProcess(path, $"Record conversation {conversation.Id}"))
        {
            return;
        }

        try
        {
            var recording = RecordingSupport.Start(conversation, path, Format ?? CodexRecordingTemplate.FormatFor(path));
            WriteVerbose($"Recording conversation {conversation.Id} to '{recording.Path}' ({recording.Format}).");
            if (PassThru)
            {
                WriteObject(recording);
            }
        }
        catch (CodexException ex)
        {
            WriteError(RecordingSupport.ToErrorRecord(ex, path));
        }
    }
}
