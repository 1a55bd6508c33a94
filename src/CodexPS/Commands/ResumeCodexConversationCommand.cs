using System.Management.Automation;
using CodexPS.Engine;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Persistence;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>
/// Loads a saved conversation into the runtime so the next turn continues it, named by its id, by the runtime's
/// rollout file or by a CodexPS recording; or replays a recording's events without any runtime.
/// </summary>
[Cmdlet(VerbsLifecycle.Resume, "CodexConversation", DefaultParameterSetName = IdSet)]
[OutputType(typeof(CodexConversation), ParameterSetName = new[] { IdSet, PathSet })]
[OutputType(typeof(CodexEvent), ParameterSetName = new[] { ReplaySet })]
public sealed class ResumeCodexConversationCommand : CodexCmdlet
{
    private const string IdSet = "Id";
    private const string PathSet = "Path";
    private const string ReplaySet = "Replay";

    /// <summary>The thread id; binds from a piped object's Id or ConversationId.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [Alias("ConversationId")]
    [ValidateNotNullOrEmpty]
    public string? Id { get; set; }

    /// <summary>A rollout file of the runtime or a CodexPS recording; binds from a piped file's FullName.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ReplaySet)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Writes the recording's events as typed objects instead of resuming; no runtime is started and nothing is sent.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ReplaySet)]
    public SwitchParameter Replay { get; set; }

    /// <summary>Refuses a file whose last line is cut short instead of reporting it and using the lines before it.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ReplaySet)]
    public SwitchParameter Strict { get; set; }

    /// <summary>With -Replay, writes the recorded text pieces (AgentMessageDelta, CommandOutputDelta, ReasoningDelta) too.</summary>
    [Parameter(ParameterSetName = ReplaySet)]
    public SwitchParameter IncludeDelta { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (ParameterSetName == IdSet)
        {
            ResumeThread(Id!, Id!, null);
            return;
        }

        var path = ToFileSystemPath(Path!, out var pathProblem);
        if (path is null)
        {
            WriteError(NewError("CodexResumeFileNotFound", ErrorCategory.ObjectNotFound, Path, $"The session file '{Path}' does not exist: {pathProblem!.Message}", pathProblem));
            return;
        }

        CodexSessionFile file;
        try
        {
            // Everything is checked before anything is sent (or, for -Replay, before anything is written).
            file = CodexSessionFile.Read(path, Strict);
        }
        catch (CodexSessionFileException ex)
        {
            WriteError(RecordingSupport.ToErrorRecord(ex, ex.Path));
            return;
        }

        foreach (var problem in file.Problems)
        {
            WriteError(RecordingSupport.ToErrorRecord(problem, problem.Path));
        }

        if (Replay)
        {
            try
            {
                foreach (var evt in CodexReplay.Events(file, IncludeDelta))
                {
                    WriteObject(evt);
                }
            }
            catch (CodexSessionFileException ex)
            {
                WriteError(RecordingSupport.ToErrorRecord(ex, ex.Path));
            }

            return;
        }

        WriteVerbose($"'{file.Path}' is a {(file.Kind == CodexSessionFileKind.Rollout ? "codex rollout" : $"CodexPS {file.Format} recording")} of conversation {file.ConversationId}.");
        ResumeThread(file.ConversationId, file.Path, file.Path);
    }

    private void ResumeThread(string threadId, object target, string? fromFile)
    {
        try
        {
            var client = GetClient();
            var conversation = Await(client.GetOrResumeConversationAsync(threadId, CancellationToken));
            WriteClientWarnings(client);
            WriteObject(conversation);
        }
        catch (CodexException ex) when (fromFile is not null && ex.ErrorId == "CodexConversationNotFound")
        {
            var named = new CodexException(ex.ErrorId, $"'{fromFile}' (line 1) names conversation {threadId}, which this runtime (CODEX_HOME {RuntimeRegistry.ClientFor(null)?.CodexHome}) does not know: {ex.Message}", ex);
            WriteError(RecordingSupport.ToErrorRecord(named, target));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, target));
        }
    }
}
