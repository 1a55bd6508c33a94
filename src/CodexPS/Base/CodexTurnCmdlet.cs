using System.Management.Automation;
using CodexPS.Engine;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS;

/// <summary>
/// Runs one turn on the pipeline thread: reads its events in order and answers the runtime's requests through
/// one handler chain (-WhatIf, the turn's or conversation's handler, then the person at the host, else decline).
/// However the command stops (the turn's end, Ctrl+C, Select-Object -First, an error), a turn still running is
/// interrupted, so the conversation stays usable.
/// </summary>
public abstract class CodexTurnCmdlet : CodexCmdlet
{
    private Hosting.ApprovalPrompter? _prompter;

    /// <summary>
    /// Decides approval requests, permission requests, the model's questions and MCP elicitations. Receives the
    /// request as $_ (and as its argument) and returns Accept, AcceptForSession, Decline or Cancel ($true means
    /// Accept, $false Decline); for questions and elicitations also a hashtable of answers or form values.
    /// </summary>
    [Parameter]
    public ScriptBlock? ApprovalHandler { get; set; }

    /// <summary>Writes the streamed text pieces (AgentMessageDelta, CommandOutputDelta, ReasoningDelta) too.</summary>
    [Parameter]
    public SwitchParameter IncludeDelta { get; set; }

    /// <summary>The folder the agent works in; for Send-CodexTurn it stays the conversation's folder for later turns.</summary>
    [Parameter]
    public string? WorkingDirectory { get; set; }

    /// <summary>What commands may touch: ReadOnly, WorkspaceWrite or DangerFullAccess (kept for later turns).</summary>
    [Parameter]
    public CodexSandbox? Sandbox { get; set; }

    /// <summary>When the runtime asks before acting: Untrusted, OnRequest or Never (kept for later turns).</summary>
    [Parameter]
    public CodexApprovalPolicy? ApprovalPolicy { get; set; }

    /// <summary>Local image files sent with the prompt.</summary>
    [Parameter]
    public string[]? Image { get; set; }

    /// <summary>
    /// A JSON Schema the final answer must follow: a hashtable, JSON text, or the path of a JSON file. The
    /// answer is parsed and checked, and the resulting object is the Output of TurnCompleted (and of the result).
    /// </summary>
    [Parameter]
    public object? OutputSchema { get; set; }

    private bool? _liveFeedback;

    /// <summary>Whether this command may show live progress and text: false for background turns (-AsJob).</summary>
    protected virtual bool WantsLiveFeedback => true;

    /// <summary>
    /// Progress and the streamed answer text are shown only to a person: an interactive host whose output is not
    /// redirected. A non-interactive host, a script's runspace or a redirected console gets none of it.
    /// </summary>
    protected bool LiveFeedback => _liveFeedback ??= WantsLiveFeedback && HostIsInteractive()
        && !(CurrentHost?.Name == "ConsoleHost" && Console.IsOutputRedirected);

    /// <summary>
    /// The turn options from the common parameters, or null after writing a non-terminating error for a missing
    /// folder or image or an unusable schema: that input item gets no turn, and the next one is still served.
    /// </summary>
    protected CodexTurnOptions? BuildTurnOptions(string? model, string? effort)
    {
        string? cwd = null;
        if (WorkingDirectory is not null)
        {
            cwd = ResolveDirectory(WorkingDirectory, out var cwdError);
            if (cwd is null)
            {
                WriteError(cwdError!);
                return null;
            }
        }

        System.Text.Json.Nodes.JsonNode? schema = null;
        if (OutputSchema is not null && (schema = ParseSchema(OutputSchema)) is null)
        {
            return null;
        }

        var options = new CodexTurnOptions
        {
            // An interactive host streams the answer's text live, so the runtime's deltas are read even without -IncludeDelta.
            IncludeDeltas = IncludeDelta || LiveFeedback,
            Model = model,
            Effort = effort,
            WorkingDirectory = cwd,
            Sandbox = Sandbox,
            ApprovalPolicy = ApprovalPolicy,
            OutputSchema = schema,
            RequestHandler = ApprovalHandler is null ? null : new Hosting.ScriptBlockRequestHandler(ApprovalHandler),
        };
        foreach (var image in Image ?? Array.Empty<string>())
        {
            var path = ToFileSystemPath(image, out _);
            if (path is null || !File.Exists(path))
            {
                WriteError(NewError("CodexImageNotFound", ErrorCategory.ObjectNotFound, image, $"The image '{path ?? image}' does not exist; nothing was sent."));
                return null;
            }

            options.Images.Add(path);
        }

        return options;
    }

    /// <summary>
    /// Puts the turn's budgets (-MaxTokens, -MaxDuration, -MaxToolCalls, -MaxCostUsd) into its options; false after writing
    /// CodexBudgetInvalid for a duration that is not positive or a negative cost (that input item gets no turn).
    /// </summary>
    protected bool ApplyBudgets(CodexTurnOptions options, long? maxTokens, TimeSpan? maxDuration, int? maxToolCalls, decimal? maxCostUsd)
    {
        if (maxDuration is { } duration && duration <= TimeSpan.Zero)
        {
            WriteError(NewError("CodexBudgetInvalid", ErrorCategory.InvalidArgument, duration, $"-MaxDuration must be longer than zero (it is {duration}); nothing was sent."));
            return false;
        }

        if (maxCostUsd is { } cost && cost < 0)
        {
            WriteError(NewError("CodexBudgetInvalid", ErrorCategory.InvalidArgument, cost, $"-MaxCostUsd cannot be negative (it is {cost}); nothing was sent."));
            return false;
        }

        options.MaxTokens = maxTokens;
        options.MaxDuration = maxDuration;
        options.MaxToolCalls = maxToolCalls;
        options.MaxCostUsd = maxCostUsd;
        return true;
    }

    /// <summary>The schema as a JSON object, or null after writing CodexOutputSchemaInvalid (the target is the schema given).</summary>
    private System.Text.Json.Nodes.JsonNode? ParseSchema(object schema)
    {
        var value = schema is PSObject { BaseObject: string text } ? text : schema;
        try
        {
            if (value is string json)
            {
                if (!json.TrimStart().StartsWith('{'))
                {
                    var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(json);
                    json = File.ReadAllText(path);
                }

                return System.Text.Json.Nodes.JsonNode.Parse(json) as System.Text.Json.Nodes.JsonObject ?? throw new System.Text.Json.JsonException("The schema must be a JSON object.");
            }

            return PowerShellJson.ToNode(value) is System.Text.Json.Nodes.JsonObject node ? node : throw new System.Text.Json.JsonException("The schema must be a JSON object.");
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException
            or SessionStateException or PSNotSupportedException or PSInvalidOperationException or InvalidOperationException)
        {
            WriteError(new ErrorRecord(new CodexException("CodexOutputSchemaInvalid", $"The output schema is not a usable JSON Schema object: {ex.Message}", ex),
                "CodexOutputSchemaInvalid", ErrorCategory.InvalidArgument, schema));
            return null;
        }
    }

    /// <summary>A pool member that went down under this command's turn, when -Failover will send the turn again.</summary>
    private CodexException? _memberWentDown;

    /// <summary>Runs a turn; onEvent sees every event in order (approvals already answered). Returns the final event, or null.</summary>
    protected TurnCompletedEvent? RunTurn(CodexConversation conversation, string prompt, CodexTurnOptions options, Action<CodexEvent> onEvent)
    {
        _memberWentDown = null;
        var last = RunTurn(conversation, token => conversation.StartTurnAsync(prompt, options, token), options, onEvent);
        if (_memberWentDown is not null || (last is { Status: CodexTurnStatus.Failed, Error.ErrorId: "CodexRuntimeUnavailable" } && RuntimeRegistry.CanFailOver(conversation)))
        {
            _memberWentDown = null;
            // Connect-Codex -Failover: the member went down under the turn; the conversation moves to a member that is up
            // (it reaches the rollout through the shared CODEX_HOME) and the prompt goes again there, once.
            var from = conversation.Runtime;
            try
            {
                RuntimeRegistry.Recover(conversation, CancellationToken);
            }
            catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
            {
                WriteError(ToErrorRecord(ex, conversation));
                return last;
            }

            WriteWarning($"{from} went down during the turn; conversation {conversation.Id} moved to {conversation.Runtime} (-Failover), and the prompt was sent again there.");
            last = RunTurn(conversation, token => conversation.StartTurnAsync(prompt, options, token), options, onEvent);
        }

        return last;
    }

    /// <summary>Like the prompt overload, for anything that starts a turn-shaped run (a review, ...).</summary>
    protected TurnCompletedEvent? RunTurn(CodexConversation conversation, Func<CancellationToken, Task<CodexTurn>> start, CodexTurnOptions options, Action<CodexEvent> onEvent)
    {
        ListenToProtocol(conversation.Client);
        var turn = StartTurn(conversation, start);
        if (turn is null)
        {
            return null;
        }

        WriteVerbose($"Turn {turn.Id} started in conversation {conversation.Id}.");
        var handler = CodexServerRequestHandlers.Chain(IsWhatIf() ? new Hosting.WhatIfRequestHandler(this) : null, turn.RequestHandler, Prompter);
        TurnCompletedEvent? last = null;
        var feedback = LiveFeedback ? new TurnFeedback(this, conversation.Id, streamText: !IncludeDelta) : null;
        var batch = new List<CodexEvent>(256);
        var (debug, verbose) = ProtocolLinesWanted;
        // Subscribed before the shared listener pauses, so no line falls between the two.
        var notices = turn.ReceiveNotices(warnings: true, verbose, debug);
        PauseProtocolListener();
        try
        {
            // Everything buffered is taken at once: a fast stream costs one wake-up per batch, not per event.
            while (turn.ReadBatch(batch, CancellationToken))
            {
                PluginSupport.RunScriptPlugins(this, conversation.Client, batch); // script-block plugins (Register-CodexPlugin)
                foreach (var evt in batch)
                {
                    if (evt is CodexNoticeEvent notice)
                    {
                        WriteNotice(notice);
                        continue;
                    }

                    if (feedback is not null)
                    {
                        feedback.OnEvent(evt);
                        if (evt is DeltaEvent && !IncludeDelta)
                        {
                            continue; // read only for the live text, not asked for in the output
                        }
                    }

                    if (evt is ApprovalRequestedEvent { Request.Kind: CodexApprovalKind.ToolCall } call)
                    {
                        CallTool(conversation, turn, call.Request, handler);
                    }
                    else if (evt is ApprovalRequestedEvent approval)
                    {
                        Answer(approval.Request, handler);
                    }
                    else if (evt is BudgetExceededEvent exceeded)
                    {
                        // The event is output too; the error says it where scripts look for failures.
                        WriteError(new ErrorRecord(exceeded.ToException(), "CodexBudgetExceeded", ErrorCategory.LimitsExceeded, conversation));
                    }
                    else if (evt is TurnCompletedEvent completed)
                    {
                        last = completed;
                        ReportFailure(conversation, completed);
                        if (turn.Result.OutputError is { } invalid)
                        {
                            WriteError(new ErrorRecord(invalid, invalid.ErrorId, ErrorCategory.InvalidResult, turn.Result.FinalResponse));
                        }
                    }

                    onEvent(evt);
                }
            }
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the turn is interrupted below, and the command ends quietly.
        }
        catch (CodexException ex) when (ex.ErrorId == "CodexRuntimeUnavailable" && RuntimeRegistry.CanFailOver(conversation))
        {
            // Not the command's failure: the prompt overload sends the turn again on another member.
            _memberWentDown = ex;
            WriteVerbose($"The turn failed on its pool member, which went down: {ex.Message}");
        }
        catch (Exception ex) when (ex is CodexException or ObjectDisposedException)
        {
            WriteError(ToErrorRecord(ex, conversation));
        }
        finally
        {
            // Also when a downstream command stopped the pipeline (Select-Object -First) or anything else escaped.
            notices.Dispose();
            StopTurn(turn);
            feedback?.Complete();
            ListenToProtocol(conversation.Client);
        }

        // What was raised while no turn of this command was read (metrics, other conversations' quiet moments).
        WriteClientWarnings(conversation.Client);
        return last;
    }

    /// <summary>A warning or protocol line from the turn's queue, written where it arose among the events.</summary>
    private protected void WriteNotice(CodexNoticeEvent notice)
    {
        switch (notice.Level)
        {
            case CodexNoticeLevel.Warning:
                WriteWarning(notice.Message);
                break;
            case CodexNoticeLevel.Verbose:
                WriteVerbose("codex: " + notice.Message);
                break;
            default:
                WriteDebug("codex " + notice.Message);
                break;
        }
    }

    /// <summary>The person at the host, asked last; one per command, so Yes to All lasts as long as the command.</summary>
    private protected Hosting.ApprovalPrompter Prompter => _prompter ??= new Hosting.ApprovalPrompter(this, HostIsInteractive());

    /// <summary>Starts the turn; null after writing the error. A stop while it starts still ends the turn once it has.</summary>
    private CodexTurn? StartTurn(CodexConversation conversation, Func<CancellationToken, Task<CodexTurn>> start)
    {
        var starting = start(CancellationToken);
        try
        {
            return Await(starting);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            StopWhenStarted(starting);
            throw;
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, conversation));
            return null;
        }
    }

    /// <summary>
    /// Ctrl+C can end the wait for a start that then succeeds: the engine stops a turn whose start it saw
    /// cancelled, and this stops one whose start completed just as the wait gave up.
    /// </summary>
    internal static void StopWhenStarted(Task<CodexTurn> starting)
    {
        _ = starting.ContinueWith(
            static started =>
            {
                if (started.IsCompletedSuccessfully)
                {
                    started.Result.StopReading();
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>
    /// The command stops reading: a turn still running is interrupted. It waits a moment for the runtime to end it
    /// (about 12 ms normally), so the next command in the script finds the conversation free, and Ctrl+C still
    /// gives the prompt back within a second.
    /// </summary>
    private static void StopTurn(CodexTurn turn)
    {
        if (turn.IsCompleted)
        {
            turn.StopReading();
            return;
        }

        turn.StopReading();
        try
        {
            PipelineWait.WaitAtMost(turn.Completion, StopWait);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // It ended by failing: whoever reads its events reports that; the conversation is free either way.
        }
    }

    private static readonly TimeSpan StopWait = TimeSpan.FromMilliseconds(750);

    /// <summary>
    /// The model calls one of the conversation's own tools: it runs here, on the pipeline thread, after the turn's
    /// approval path has agreed when the tool changes the world (the consent request of Kind ToolCall).
    /// </summary>
    private protected void CallTool(CodexConversation conversation, CodexTurn turn, CodexApprovalRequest call, ICodexServerRequestHandler? handler)
    {
        var outcome = Hosting.ToolCallRunner.Run(
            conversation,
            call,
            consent =>
            {
                Answer(consent, handler);
                return consent.Decision is CodexApprovalDecision.Accept or CodexApprovalDecision.AcceptForSession;
            },
            turn.StopReading,
            CancellationToken);
        if (outcome is null)
        {
            return;
        }

        WriteVerbose($"Tool {call.Tool}: {(outcome.Success ? "succeeded" : "did not succeed")} in {outcome.Duration.TotalMilliseconds:0} ms.");
        if (outcome.TimedOut)
        {
            WriteWarning($"The tool {call.Tool} ran longer than its time limit and was stopped; the model was told.");
        }
    }

    /// <summary>Decides one request through the handler chain and says what was decided; the runtime never hears silence.</summary>
    private protected void Answer(CodexApprovalRequest request, ICodexServerRequestHandler? handler)
    {
        try
        {
            if (Await(CodexServerRequestHandlers.AnswerAsync(request, handler, CancellationToken)) is { } answer)
            {
                if (answer.Warning is { } warning)
                {
                    WriteWarning(warning);
                }

                if (answer.Problem is { } problem)
                {
                    WriteError(new ErrorRecord(problem, problem.ErrorId, ErrorCategory.InvalidResult, answer.ProblemTarget));
                }

                WriteVerbose($"{request.Kind} request {request}: {answer.Decision} ({answer.DecidedBy}).");
            }
        }
        catch (CodexException ex)
        {
            WriteError(ToErrorRecord(ex, request));
        }
        finally
        {
            // Ctrl+C at a prompt, or anything else that escaped: the runtime hears a decline, never silence.
            if (!request.IsAnswered)
            {
                DeclineQuietly(request);
            }
        }
    }

    private static void DeclineQuietly(CodexApprovalRequest request)
    {
        try
        {
            PipelineWait.WaitAtMost(request.RespondAsync(CodexApprovalDecision.Decline, "CodexPS (no answer)"), TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
            // The runtime is gone; there is nobody left to answer.
        }
    }

    private void ReportFailure(CodexConversation conversation, TurnCompletedEvent completed)
    {
        if (completed.Status != CodexTurnStatus.Failed)
        {
            return;
        }

        var error = completed.Error;
        var id = error?.ErrorId ?? "CodexTurnFailed";
        if (id == "CodexRuntimeUnavailable" && RuntimeRegistry.CanFailOver(conversation))
        {
            // Not the command's failure: the turn is sent again on another member (see RunTurn).
            WriteVerbose($"The turn failed on its pool member, which went down: {error?.Message}");
            return;
        }

        WriteError(NewError(id, Category(id), conversation,
            $"The turn failed: {error?.Message ?? "the runtime gave no reason"}" + (error?.AdditionalDetails is { } details ? $" ({details})" : string.Empty)));
    }

    /// <summary>-WhatIf given, or $WhatIfPreference set by the caller.</summary>
    private protected bool IsWhatIf()
    {
        if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound))
        {
            return bound is SwitchParameter { IsPresent: true };
        }

        return LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));
    }
}
