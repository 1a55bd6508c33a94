using System.Management.Automation;
using CodexPS.Engine;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Persistence;

namespace CodexPS.Commands;

/// <summary>
/// Packs a conversation to travel: a zip with the runtime's rollout file, the CodexPS recordings of it and a manifest.
/// Resume-CodexConversation -Path on the zip continues it in any CODEX_HOME, on any machine.
/// </summary>
[Cmdlet(VerbsData.Export, "CodexConversation", DefaultParameterSetName = IdSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(CodexConversationBundle))]
public sealed class ExportCodexConversationCommand : CodexCmdlet
{
    private const string IdSet = "Id";
    private const string ConversationSet = "Conversation";
    private const string RecordingSet = "Recording";

    /// <summary>A loaded conversation (from New- or Resume-CodexConversation); binds from the pipeline.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ConversationSet)]
    public CodexConversation? Conversation { get; set; }

    /// <summary>The thread id of a saved conversation; binds from a piped object's Id or ConversationId.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [Alias("ConversationId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ConversationIdCompleter))]
    public string? Id { get; set; }

    /// <summary>
    /// CodexPS recordings of one conversation to pack: the conversation and its rollout are taken from the first
    /// recording's metadata, and no runtime is needed. (With -Conversation or -Id, its running JSONL recordings go in.)
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = RecordingSet)]
    [ValidateNotNullOrEmpty]
    public string[]? RecordingPath { get; set; }

    /// <summary>The zip file to write.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Replaces an existing file at -Path.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The named runtime that knows the -Id (Connect-Codex -Name); default: the default runtime.</summary>
    [Parameter(ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    public string? Runtime { get; set; }

    /// <inheritdoc/>
    protected override string? RuntimeName => Runtime;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var zip = ToFileSystemPath(Path!, out var pathProblem);
        if (zip is null)
        {
            WriteError(NewError("CodexExportPathInvalid", ErrorCategory.InvalidArgument, Path, $"'{Path}' is not a file-system path: {pathProblem!.Message}", pathProblem));
            return;
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

        object target = (object?)Conversation ?? Id ?? (object)recordings[0];
        string conversationId;
        string? rollout;
        string? runtimeVersion = null;
        try
        {
            (conversationId, rollout, runtimeVersion) = ParameterSetName switch
            {
                ConversationSet => FromConversation(Conversation!, recordings),
                IdSet => FromId(Id!, recordings),
                _ => FromRecordings(recordings),
            };
        }
        catch (CodexSessionFileException ex)
        {
            WriteError(RecordingSupport.ToErrorRecord(ex, ex.Path));
            return;
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, target));
            return;
        }

        if (rollout is null)
        {
            WriteError(NewError("CodexRolloutNotFound", ErrorCategory.ObjectNotFound, target,
                $"Conversation {conversationId} has no rollout file (an ephemeral conversation keeps none), so there is nothing to export."));
            return;
        }

        if (!File.Exists(rollout))
        {
            WriteError(NewError("CodexRolloutNotFound", ErrorCategory.ObjectNotFound, target,
                $"The rollout file '{rollout}' of conversation {conversationId} does not exist on this machine" +
                " (a runtime connected with -Uri keeps its rollouts on its own machine; export there)."));
            return;
        }

        if (File.Exists(zip) && !Force)
        {
            WriteError(NewError("CodexExportPathExists", ErrorCategory.ResourceExists, zip, $"'{zip}' exists; give -Force to replace it."));
            return;
        }

        if (!ShouldProcess(zip, $"Export conversation {conversationId} ({recordings.Count} recording(s))"))
        {
            return;
        }

        try
        {
            var moduleVersion = typeof(CodexCmdlet).Assembly.GetName().Version?.ToString(3);
            WriteObject(CodexConversationBundle.Write(zip, conversationId, rollout, recordings, runtimeVersion, moduleVersion, Force));
        }
        catch (CodexException ex) when (ex.ErrorId == "CodexRolloutNotFound")
        {
            WriteError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.ObjectNotFound, target));
        }
        catch (CodexException ex) when (ex.ErrorId == "CodexExportPathExists")
        {
            WriteError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.ResourceExists, zip));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(new CodexException("CodexExportFailed", $"'{zip}' could not be written: {ex.Message}", ex), "CodexExportFailed", ErrorCategory.WriteError, zip));
        }
    }

    private static (string Id, string? Rollout, string? RuntimeVersion) FromConversation(CodexConversation conversation, List<string> recordings)
    {
        if (conversation.ActiveTurn is { } turn)
        {
            throw new CodexException("CodexTurnInProgress", $"Conversation {conversation.Id} is running turn {turn.Id}; export it when the turn has ended, so the rollout holds whole turns.");
        }

        AddRunningRecordings(conversation, recordings);
        return (conversation.Id, conversation.Path, conversation.Client.RuntimeVersion);
    }

    private (string Id, string? Rollout, string? RuntimeVersion) FromId(string id, List<string> recordings)
    {
        if (RuntimeRegistry.FindConversation(id) is { } loaded)
        {
            return FromConversation(loaded, recordings);
        }

        var client = GetClient();
        var thread = Await(client.ReadThreadAsync(id, CancellationToken));
        return (thread.Id, thread.Path, thread.CliVersion ?? client.RuntimeVersion);
    }

    private static (string Id, string? Rollout, string? RuntimeVersion) FromRecordings(List<string> recordings)
    {
        var files = recordings.Select(r => CodexSessionFile.Read(r, strict: false)).ToArray();
        foreach (var file in files)
        {
            if (file.Kind != CodexSessionFileKind.Recording)
            {
                throw new CodexSessionFileException("CodexResumeSchemaUnknown", file.Path, 1,
                    $"'{file.Path}' is a rollout, not a CodexPS recording; export it with -Id {file.ConversationId}, or resume it with Resume-CodexConversation -Path.");
            }

            if (file.ConversationId != files[0].ConversationId)
            {
                throw new CodexSessionFileException("CodexResumeSchemaUnknown", file.Path, 1,
                    $"'{file.Path}' is a recording of conversation {file.ConversationId}, not of {files[0].ConversationId} like '{files[0].Path}'; a bundle holds one conversation.");
            }
        }

        return (files[0].ConversationId, files[0].Metadata?.RolloutPath, files[0].Metadata?.RuntimeVersion);
    }

    /// <summary>The conversation's running recordings go in as written so far (a Json recording only once it is stopped: it is written whole at the end).</summary>
    private static void AddRunningRecordings(CodexConversation conversation, List<string> recordings)
    {
        var comparison = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        foreach (var recording in conversation.Recordings)
        {
            if (recording.Format == CodexRecordingFormat.Jsonl && File.Exists(recording.Path) && !recordings.Contains(recording.Path, comparison))
            {
                recordings.Add(recording.Path);
            }
        }
    }
}
