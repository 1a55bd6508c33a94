using System.Management.Automation;
using CodexPS.Engine;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Persistence;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>
/// Loads a saved conversation into the runtime so the next turn continues it, named by its id, by the runtime's
/// rollout file, by a CodexPS recording or by a bundle from Export-CodexConversation; or replays a recording's events
/// without any runtime. A rollout the runtime's CODEX_HOME does not hold (another machine's, a bundle's) is imported
/// into its sessions folder first.
/// </summary>
[Cmdlet(VerbsLifecycle.Resume, "CodexConversation", DefaultParameterSetName = IdSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
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

    /// <summary>A rollout file of the runtime, a CodexPS recording or a bundle (Export-CodexConversation); binds from a piped file's FullName.</summary>
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

    /// <summary>
    /// Gives the loaded conversation its own tools again (New-CodexTool): the runtime keeps the tools' specs with the
    /// thread, but what runs a call lives in a PowerShell session. Without -Tool, a call of one of its tools is
    /// answered with an error the model reads ("no tool ...; give the tools back with Resume-CodexConversation -Tool").
    /// </summary>
    [Parameter(ParameterSetName = IdSet)]
    [Parameter(ParameterSetName = PathSet)]
    [ValidateNotNull]
    public Tools.CodexTool[]? Tool { get; set; }

    /// <inheritdoc/>
    protected override bool NeedsExperimentalApi => Tool is { Length: > 0 };

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (ParameterSetName == IdSet)
        {
            ResumeThread(Id!, Id!, null, null);
            return;
        }

        var path = ToFileSystemPath(Path!, out var pathProblem);
        if (path is null)
        {
            WriteError(NewError("CodexResumeFileNotFound", ErrorCategory.ObjectNotFound, Path, $"The session file '{Path}' does not exist: {pathProblem!.Message}", pathProblem));
            return;
        }

        if (CodexConversationBundle.IsBundle(path))
        {
            ResumeBundle(path);
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
        ResumeThread(file.ConversationId, file.Path, file.Path, RolloutImporter(file));
    }

    /// <summary>
    /// How to bring the file's rollout into a CODEX_HOME that does not hold the thread: a rollout file is copied as it
    /// is; a recording's rollout (its metadata names it) only when it exists here and is that thread's.
    /// </summary>
    private static Func<string, string>? RolloutImporter(CodexSessionFile file)
    {
        var rollout = file.Kind == CodexSessionFileKind.Rollout ? file.Path : file.Metadata?.RolloutPath;
        if (rollout is null || !File.Exists(rollout))
        {
            return null;
        }

        try
        {
            CodexConversationBundle.ReadRolloutHead(rollout, file.ConversationId, "CodexRolloutNotFound");
        }
        catch (CodexException)
        {
            // Another thread's rollout (or none): the recording's thread stays unknown, and says so.
            return null;
        }

        return home => CodexRolloutImport.IsInside(home, rollout) ? rollout : CodexRolloutImport.Import(home, rollout);
    }

    private void ResumeBundle(string path)
    {
        if (Replay)
        {
            WriteError(NewError("CodexReplayNeedsRecording", ErrorCategory.InvalidArgument, path,
                $"'{path}' is a conversation bundle; -Replay reads a recording. Expand the bundle (Expand-Archive) and replay the file under recordings/."));
            return;
        }

        CodexConversationBundle bundle;
        try
        {
            bundle = CodexConversationBundle.Read(path);
        }
        catch (CodexSessionFileException ex)
        {
            WriteError(new ErrorRecord(ex, ex.ErrorId, ex.ErrorId == "CodexBundleInvalid" ? ErrorCategory.InvalidData : ErrorCategory.ReadError, path));
            return;
        }

        WriteVerbose($"'{path}' is a bundle of conversation {bundle.ConversationId} (codex {bundle.RuntimeVersion}, CodexPS {bundle.ModuleVersion}, made {bundle.Created:u}).");
        ResumeThread(bundle.ConversationId, path, path, bundle.ImportRollout);
    }

    private void ResumeThread(string threadId, object target, string? fromFile, Func<string, string>? importRollout)
    {
        CodexClient? client = null;
        try
        {
            client = GetClient();
            CodexConversation conversation;
            try
            {
                conversation = Await(client.GetOrResumeConversationAsync(threadId, CancellationToken));
            }
            catch (CodexException ex) when (ex.ErrorId == "CodexConversationNotFound" && importRollout is not null && CanImport(client))
            {
                // The runtime resumes a thread by id once its rollout lies in its own sessions folder (thread/resume's
                // path parameter needs the experimental API); see CodexRolloutImport.
                if (!ShouldProcess($"CODEX_HOME {client.CodexHome}", $"Import the rollout of conversation {threadId} from '{fromFile}'"))
                {
                    return;
                }

                var imported = importRollout(client.CodexHome);
                WriteVerbose($"Imported the rollout of conversation {threadId} as '{imported}'.");
                conversation = Await(client.GetOrResumeConversationAsync(threadId, CancellationToken));
            }

            if (Hosting.ToolCallRunner.Check(client, Tool, out var tools) is { } refused)
            {
                WriteError(ToErrorRecord(refused.Error, refused.Target));
                return;
            }

            if (tools.Count > 0)
            {
                conversation.AttachTools(tools);
            }

            WriteClientWarnings(client);
            WriteObject(conversation);
        }
        catch (CodexException ex) when (fromFile is not null && ex.ErrorId == "CodexConversationNotFound")
        {
            var why = importRollout is null ? "and the file brings no rollout of it"
                : client is not null && !CanImport(client) ? "and a runtime connected with -Uri keeps its CODEX_HOME on its own machine, where the rollout cannot be imported from here"
                : "even after its rollout was imported";
            var named = new CodexException(ex.ErrorId, $"'{fromFile}' (line 1) names conversation {threadId}, which this runtime (CODEX_HOME {client?.CodexHome}) does not know, {why}: {ex.Message}", ex);
            WriteError(RecordingSupport.ToErrorRecord(named, target));
        }
        catch (CodexException ex) when (ex.ErrorId is "CodexConversationImportConflict" or "CodexBundleInvalid")
        {
            WriteError(new ErrorRecord(ex, ex.ErrorId, ex.ErrorId == "CodexBundleInvalid" ? ErrorCategory.InvalidData : ErrorCategory.ResourceExists, target));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, target));
        }
    }

    private static bool CanImport(CodexClient client) => client.Location.Source != "Remote" && !string.IsNullOrEmpty(client.CodexHome);
}
