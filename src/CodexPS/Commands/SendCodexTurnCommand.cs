using System.Management.Automation;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>Sends a prompt to a conversation and writes the turn's events as they happen.</summary>
[Cmdlet(VerbsCommunications.Send, "CodexTurn", DefaultParameterSetName = ObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CodexEvent), typeof(CodexTurnJob))]
public sealed class SendCodexTurnCommand : ConversationTurnCmdlet
{
    /// <summary>What to ask the agent.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [AllowEmptyString]
    public string Prompt { get; set; } = string.Empty;

    /// <summary>A model for this turn only.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.ModelCompleter))]
    public string? Model { get; set; }

    /// <summary>Reasoning effort for this turn (minimal, low, medium, high, xhigh).</summary>
    [Parameter]
    public string? Effort { get; set; }

    /// <summary>
    /// The most tokens this turn may use: tokenUsage.last.totalTokens (input, cached input included, plus output)
    /// summed over its model requests, as the runtime reports them after each. More stops the turn (CodexBudgetExceeded).
    /// </summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? MaxTokens { get; set; }

    /// <summary>How long this turn may run, from the moment it is sent; longer stops it (CodexBudgetExceeded).</summary>
    [Parameter]
    public TimeSpan? MaxDuration { get; set; }

    /// <summary>
    /// How many tools this turn may call: command executions, file changes, MCP tool calls and the conversation's own
    /// tools (New-CodexTool). The call past the limit is stopped as it starts (CodexBudgetExceeded); 0 allows none.
    /// </summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? MaxToolCalls { get; set; }

    /// <summary>
    /// What this turn may cost in USD, priced with Connect-Codex -Pricing for the turn's model after each model request;
    /// more stops it (CodexBudgetExceeded). Without a price for the model the turn is refused (CodexPricingMissing).
    /// </summary>
    [Parameter]
    public decimal? MaxCostUsd { get; set; }

    /// <summary>
    /// Adds the prompt to the turn already running in the conversation (turn/steer) instead of starting one;
    /// works from an approval handler or another runspace. Writes nothing; the running turn's events carry on.
    /// </summary>
    [Parameter]
    public SwitchParameter Steer { get; set; }

    /// <summary>
    /// Records this turn to a file (a path template: {sessionId}, {conversationId}, {timestamp}, {date}); .json
    /// writes one document, anything else JSONL. A recording already running to that file simply carries on.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RecordTo { get; set; }

    /// <summary>
    /// Runs the turn as a background job: returns the job at once; Receive-Job gives its events, Wait-Job waits,
    /// Stop-Job interrupts the turn. Requests are answered by -ApprovalHandler (or the conversation's handler), run
    /// in the job's own runspace; the rest is declined (nobody can be asked in a job).
    /// </summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    /// <summary>A background turn (-AsJob) shows no progress and keeps its deltas as asked.</summary>
    protected override bool WantsLiveFeedback => !AsJob;

    /// <inheritdoc/>
    protected override void BeginProcessing()
    {
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
    }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var conversation = ResolveConversation();
        if (conversation is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(Prompt))
        {
            WriteError(NewError("CodexPromptEmpty", ErrorCategory.InvalidArgument, Prompt, "The prompt is empty; nothing was sent."));
            return;
        }

        var options = BuildTurnOptions(Model, Effort);
        if (options is null || !ApplyBudgets(options, MaxTokens, MaxDuration, MaxToolCalls, MaxCostUsd))
        {
            return;
        }

        if (Steer)
        {
            try
            {
                Await(conversation.SteerAsync(Prompt, options.Images, CancellationToken));
                WriteVerbose($"Steered turn {conversation.ActiveTurn?.Id} of conversation {conversation.Id}.");
            }
            catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
            {
                WriteError(ToErrorRecord(ex, conversation));
            }

            return;
        }

        Engine.Persistence.CodexRecording? recording = null;
        var startedRecording = false;
        if (RecordTo is not null)
        {
            try
            {
                recording = RecordingSupport.Begin(this, conversation, RecordTo, null, out startedRecording);
            }
            catch (CodexPS.Engine.CodexException ex)
            {
                WriteError(RecordingSupport.ToErrorRecord(ex, RecordTo));
                return;
            }
        }

        if (AsJob)
        {
            StartJob(conversation, options, startedRecording ? recording : null);
            return;
        }

        try
        {
            RunTurn(conversation, Prompt, options, WriteObject);
        }
        finally
        {
            if (startedRecording)
            {
                PipelineWait.WaitAtMost(recording!.StopAsync(), TimeSpan.FromSeconds(10));
            }
        }
    }

    private void StartJob(CodexConversation conversation, CodexTurnOptions options, Engine.Persistence.CodexRecording? recording)
    {
        if (!ShouldProcess($"conversation {conversation.Id}", "Start a background turn"))
        {
            return;
        }

        CodexTurn turn;
        var starting = conversation.StartTurnAsync(Prompt, options, CancellationToken);
        try
        {
            turn = Await(starting);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            _ = recording?.StopAsync();
            StopWhenStarted(starting);
            throw;
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            _ = recording?.StopAsync();
            WriteError(ToErrorRecord(ex, conversation));
            return;
        }

        var job = new CodexTurnJob(MyInvocation.Line, conversation, turn, MyInvocation.MyCommand.Module?.Path);
        if (recording is not null)
        {
            job.StateChanged += (_, e) =>
            {
                if (e.JobStateInfo.State is JobState.Completed or JobState.Failed or JobState.Stopped)
                {
                    _ = recording.StopAsync();
                }
            };
        }

        JobRepository.Add(job);
        WriteObject(job);
    }
}
