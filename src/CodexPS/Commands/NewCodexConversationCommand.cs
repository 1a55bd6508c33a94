using System.Management.Automation;
using CodexPS.Engine.Conversations;

namespace CodexPS.Commands;

/// <summary>Starts a new conversation (a runtime thread).</summary>
[Cmdlet(VerbsCommon.New, "CodexConversation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(CodexConversation))]
public sealed class NewCodexConversationCommand : CodexCmdlet
{
    /// <summary>The named runtime to use (Connect-Codex -Name); default: the default runtime. For a pool, the member with the fewest active turns takes the conversation.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.RuntimeNameCompleter))]
    public string? Runtime { get; set; }

    /// <summary>
    /// For a pool: conversations with the same key (a repository, a tenant) go to the same member while it is up, so they
    /// share its caches and working copies. Ignored by a runtime on its own.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Affinity { get; set; }

    /// <inheritdoc/>
    protected override string? RuntimeName => Runtime;

    /// <summary>The model slug; default: the runtime's configured model.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.ModelCompleter))]
    public string? Model { get; set; }

    /// <summary>The folder the agent works in; default: the current location.</summary>
    [Parameter]
    public string? WorkingDirectory { get; set; }

    /// <summary>What commands may touch: ReadOnly, WorkspaceWrite or DangerFullAccess.</summary>
    [Parameter]
    public CodexSandbox? Sandbox { get; set; }

    /// <summary>When the runtime asks before acting: Untrusted (every command), OnRequest (when the model asks) or Never.</summary>
    [Parameter]
    public CodexApprovalPolicy? ApprovalPolicy { get; set; }

    /// <summary>Lets commands in a WorkspaceWrite sandbox reach the network (off by default).</summary>
    [Parameter]
    public SwitchParameter NetworkAccess { get; set; }

    /// <summary>Keeps the thread out of the runtime's saved history.</summary>
    [Parameter]
    public SwitchParameter Ephemeral { get; set; }

    /// <summary>Folders besides the working directory that commands in a WorkspaceWrite sandbox may write to, for this conversation only.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [Alias("AddDir")]
    public string[]? AdditionalDirectory { get; set; }

    /// <summary>
    /// The tokens all turns of this conversation may use together (tokenUsage.last.totalTokens summed over their model
    /// requests). The turn that passes it is stopped, and a turn started with none left is refused (CodexBudgetExceeded).
    /// </summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? TokenBudget { get; set; }

    /// <summary>Decides approval requests for every turn of this conversation (see Send-CodexTurn -ApprovalHandler).</summary>
    [Parameter]
    public ScriptBlock? ApprovalHandler { get; set; }

    /// <summary>
    /// The conversation's own tools (New-CodexTool): commands and script blocks the model may call. They run in this
    /// runspace, on the pipeline thread of the command that reads the turn. Needs the runtime's experimental API: a
    /// default runtime started here gets it; a runtime already connected needs Connect-Codex -ExperimentalApi.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public Tools.CodexTool[]? Tool { get; set; }

    /// <inheritdoc/>
    protected override bool NeedsExperimentalApi => Tool is { Length: > 0 };

    /// <summary>
    /// Records the conversation from its start to a file (a path template: {sessionId}, {conversationId},
    /// {timestamp}, {date}; .json writes one document, anything else JSONL) until Stop-CodexRecording.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RecordTo { get; set; }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var cwd = ResolveDirectory(WorkingDirectory ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath, out var cwdError);
        if (cwd is null)
        {
            ThrowTerminatingError(cwdError!);
            return;
        }

        var additional = ResolveAdditionalDirectories(AdditionalDirectory, out var additionalError);
        if (additional is null)
        {
            ThrowTerminatingError(additionalError!);
            return;
        }

        if (RecordTo is not null)
        {
            try
            {
                RecordingSupport.CheckTemplate(RecordTo);
            }
            catch (CodexPS.Engine.CodexException ex)
            {
                ThrowTerminatingError(RecordingSupport.ToErrorRecord(ex, RecordTo));
            }
        }

        if (!ShouldProcess(cwd, "Start a codex conversation"))
        {
            return;
        }

        // A runtime that cannot start ends the command with the runtime's name as the target.
        using var placement = PlaceConversation(Affinity);
        var client = placement.Client;
        if (Hosting.ToolCallRunner.Check(client, Tool, out var tools) is { } refused)
        {
            ThrowTerminatingError(ToErrorRecord(refused.Error, refused.Target));
            return;
        }

        try
        {
            var conversation = Await(client.StartConversationAsync(
                new CodexConversationOptions
                {
                    Model = Model,
                    WorkingDirectory = cwd,
                    Sandbox = Sandbox,
                    ApprovalPolicy = ApprovalPolicy,
                    Ephemeral = Ephemeral,
                    NetworkAccess = NetworkAccess,
                    AdditionalDirectories = additional,
                    RequestHandler = ApprovalHandler is null ? null : new Hosting.ScriptBlockRequestHandler(ApprovalHandler),
                    Tools = tools,
                    TokenBudget = TokenBudget,
                },
                CancellationToken));
            if (RecordTo is not null)
            {
                try
                {
                    RecordingSupport.Begin(this, conversation, RecordTo, null, out _);
                }
                catch (CodexPS.Engine.CodexException ex)
                {
                    // The conversation exists either way; only its recording failed.
                    WriteError(RecordingSupport.ToErrorRecord(ex, RecordTo));
                }
            }

            WriteObject(conversation);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            ThrowTerminatingError(ToErrorRecord(ex, cwd));
        }
    }
}
