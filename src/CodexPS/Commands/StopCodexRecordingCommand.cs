using System.Management.Automation;
using CodexPS.Engine;
using CodexPS.Engine.Persistence;

namespace CodexPS.Commands;

/// <summary>Stops a conversation's recordings and writes what they hold.</summary>
[Cmdlet(VerbsLifecycle.Stop, "CodexRecording", DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(CodexRecording))]
public sealed class StopCodexRecordingCommand : LoadedConversationCmdlet
{
    /// <summary>Stops only the recording to this file (a path template is expanded); default: every recording of the conversation.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var conversation = ResolveConversation();
        if (conversation is null)
        {
            return;
        }

        var recordings = conversation.Recordings.ToList();
        if (Path is not null)
        {
            string path;
            try
            {
                path = RecordingSupport.Resolve(this, conversation, Path);
            }
            catch (CodexException ex)
            {
                WriteError(RecordingSupport.ToErrorRecord(ex, Path));
                return;
            }

            recordings = CodexRecording.Find(conversation, path) is { } one ? new List<CodexRecording> { one } : new List<CodexRecording>();
            if (recordings.Count == 0)
            {
                WriteError(NewError("CodexRecordingNotFound", ErrorCategory.ObjectNotFound, path, $"Conversation {conversation.Id} is not being recorded to '{path}'."));
                return;
            }
        }
        else if (recordings.Count == 0)
        {
            WriteVerbose($"Conversation {conversation.Id} is not being recorded.");
            return;
        }

        foreach (var recording in recordings)
        {
            try
            {
                Await(recording.StopAsync());
            }
            catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
            {
                WriteError(ToErrorRecord(ex, recording.Path));
                continue;
            }

            if (recording.Error is { } error)
            {
                WriteError(NewError("CodexRecordingFailed", ErrorCategory.WriteError, recording.Path, $"The recording '{recording.Path}' failed: {error}"));
            }

            WriteObject(recording);
        }
    }
}
