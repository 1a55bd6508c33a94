using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using CodexPS.Engine;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS;

/// <summary>
/// Runs one turn on the pipeline thread: reads its events in order, answers approvals (handler, then the
/// user through ShouldProcess/ShouldContinue, else decline), and interrupts the turn on Ctrl+C.
/// </summary>
public abstract class CodexTurnCmdlet : CodexCmdlet
{
    private bool _yesToAll;
    private bool _noToAll;

    /// <summary>
    /// Decides approval requests. Receives the request as $_ (and as its argument) and returns Accept,
    /// AcceptForSession, Decline or Cancel ($true means Accept, $false Decline).
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

    /// <summary>The turn options from the common parameters; bad images or schemas end the command with an ErrorRecord.</summary>
    protected CodexTurnOptions BuildTurnOptions(string? model, string? effort)
    {
        var options = new CodexTurnOptions
        {
            IncludeDeltas = IncludeDelta,
            Model = model,
            Effort = effort,
            WorkingDirectory = WorkingDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(WorkingDirectory),
            Sandbox = Sandbox,
            ApprovalPolicy = ApprovalPolicy,
            OutputSchema = OutputSchema is null ? null : ParseSchema(OutputSchema),
        };
        if (options.WorkingDirectory is { } cwd && !Directory.Exists(cwd))
        {
            ThrowTerminatingError(NewError("CodexWorkingDirectoryNotFound", ErrorCategory.ObjectNotFound, WorkingDirectory, $"The working directory '{cwd}' does not exist."));
        }

        foreach (var image in Image ?? Array.Empty<string>())
        {
            var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(image);
            if (!File.Exists(path))
            {
                ThrowTerminatingError(NewError("CodexImageNotFound", ErrorCategory.ObjectNotFound, image, $"The image '{path}' does not exist; nothing was sent."));
            }

            options.Images.Add(path);
        }

        return options;
    }

    private System.Text.Json.Nodes.JsonNode ParseSchema(object schema)
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

                return System.Text.Json.Nodes.JsonNode.Parse(json) ?? throw new System.Text.Json.JsonException("The schema is null.");
            }

            return PowerShellJson.ToNode(value) is System.Text.Json.Nodes.JsonObject node ? node : throw new System.Text.Json.JsonException("The schema must be a JSON object.");
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or IOException or UnauthorizedAccessException or ItemNotFoundException)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "CodexOutputSchemaInvalid", ErrorCategory.InvalidArgument, schema));
            throw; // not reached: ThrowTerminatingError always throws
        }
    }

    /// <summary>Runs a turn; onEvent sees every event in order (approvals already answered). Returns the final event, or null.</summary>
    protected TurnCompletedEvent? RunTurn(CodexConversation conversation, string prompt, CodexTurnOptions options, Action<CodexEvent> onEvent)
    {
        return RunTurn(conversation, token => conversation.StartTurnAsync(prompt, options, token), options, onEvent);
    }

    /// <summary>Like the prompt overload, for anything that starts a turn-shaped run (a review, ...).</summary>
    protected TurnCompletedEvent? RunTurn(CodexConversation conversation, Func<CancellationToken, Task<CodexTurn>> start, CodexTurnOptions options, Action<CodexEvent> onEvent)
    {
        var handler = ApprovalHandler ?? ModuleState.GetHandler(conversation);
        ListenToProtocol(conversation.Client);
        CodexTurn turn;
        try
        {
            turn = Await(start(CancellationToken));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, conversation));
            return null;
        }

        WriteVerbose($"Turn {turn.Id} started in conversation {conversation.Id}.");
        TurnCompletedEvent? last = null;
        string? finalAnswer = null;
        var batch = new List<CodexEvent>(256);
        try
        {
            // Everything buffered is taken at once: a fast stream costs one wake-up per batch, not per event.
            while (turn.ReadBatch(batch, CancellationToken))
            {
                foreach (var evt in batch)
                {
                    if (evt is ApprovalRequestedEvent approval)
                    {
                        Decide(approval.Request, handler);
                    }
                    else if (evt is ItemEvent { Kind: CodexEventKind.ItemCompleted, Item: AgentMessageItem message }
                        && (finalAnswer is null || message.Phase != "Commentary"))
                    {
                        finalAnswer = message.Text;
                    }
                    else if (evt is TurnCompletedEvent { Status: CodexTurnStatus.Completed } done && options.OutputSchema is { } schema)
                    {
                        ApplyOutputSchema(conversation, done, finalAnswer, schema);
                    }

                    onEvent(evt);
                    if (evt is TurnCompletedEvent completed)
                    {
                        last = completed;
                        ReportFailure(conversation, completed);
                    }
                }

                if (conversation.Client.HasWarnings || conversation.Client.ProtocolLog.HasLines)
                {
                    WriteClientWarnings(conversation.Client);
                }
            }
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            InterruptAfterStop(turn);
        }
        catch (Exception ex) when (ex is CodexException or ObjectDisposedException)
        {
            WriteError(ToErrorRecord(ex, conversation));
        }
        finally
        {
            turn.StopReading();
        }

        return last;
    }

    /// <summary>Parses and checks the final answer against the turn's schema; the result becomes completed.Output.</summary>
    private void ApplyOutputSchema(CodexConversation conversation, TurnCompletedEvent completed, string? answer, System.Text.Json.Nodes.JsonNode schema)
    {
        using var schemaDocument = System.Text.Json.JsonDocument.Parse(schema.ToJsonString());
        var (value, problems) = CodexOutputSchema.Check(answer, schemaDocument.RootElement);
        if (problems.Count == 0 && value is { } parsed)
        {
            completed.Output = PowerShellJson.ToPowerShell(parsed);
            return;
        }

        var errorId = value is null ? "CodexOutputInvalidJson" : "CodexOutputSchemaMismatch";
        WriteError(new ErrorRecord(new CodexException(errorId, $"The final answer of the turn in conversation {conversation.Id} does not follow the output schema: {string.Join(" ", problems)}"),
            errorId, ErrorCategory.InvalidResult, answer));
    }

    private void ReportFailure(CodexConversation conversation, TurnCompletedEvent completed)
    {
        if (completed.Status != CodexTurnStatus.Failed)
        {
            return;
        }

        var error = completed.Error;
        var id = error?.ErrorId ?? "CodexTurnFailed";
        WriteError(NewError(id, Category(id), conversation,
            $"The turn failed: {error?.Message ?? "the runtime gave no reason"}" + (error?.AdditionalDetails is { } details ? $" ({details})" : string.Empty)));
    }

    /// <summary>Ctrl+C: ask the runtime to stop the turn so the conversation stays usable; wait at most a second.</summary>
    private static void InterruptAfterStop(CodexTurn turn)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(900));
            turn.InterruptAsync(timeout.Token).Wait(timeout.Token);
            turn.Completion.Wait(timeout.Token);
        }
        catch (Exception)
        {
            // Best effort: the runtime may already be gone, or the turn may end later on its own.
        }
    }

    private void Decide(CodexApprovalRequest request, ScriptBlock? handler)
    {
        if (request.IsAnswered)
        {
            return;
        }

        var (decision, decidedBy) = Ask(request, handler);
        try
        {
            Await(request.RespondAsync(decision, decidedBy));
            WriteVerbose($"Approval for {request}: {decision} ({decidedBy}).");
        }
        catch (CodexException ex)
        {
            WriteError(ToErrorRecord(ex, request));
        }
    }

    private (CodexApprovalDecision, string) Ask(CodexApprovalRequest request, ScriptBlock? handler)
    {
        var action = request.Kind == CodexApprovalKind.CommandExecution ? "Run command" : "Apply file changes";
        var target = request.Kind == CodexApprovalKind.CommandExecution
            ? $"{request.Command} (in {request.Cwd})"
            : string.Join(", ", request.Changes.Select(c => $"{c.Kind} {c.Path}"));

        // -WhatIf answers every request with Decline and says what would have run.
        if (IsWhatIf())
        {
            ShouldProcess(target, action);
            return (CodexApprovalDecision.Decline, "WhatIf");
        }

        if (handler is not null)
        {
            return (InvokeHandler(handler, request), "ApprovalHandler");
        }

        try
        {
            if (!ShouldProcess(target, action))
            {
                return (CodexApprovalDecision.Decline, "ShouldProcess");
            }

            if (MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm) && confirm is SwitchParameter { IsPresent: true })
            {
                return (CodexApprovalDecision.Accept, "Confirm");
            }

            if (!HostIsInteractive())
            {
                WriteWarning($"Declined: {action} '{target}'. Nobody can be asked in a non-interactive host; pass -ApprovalHandler to decide.");
                return (CodexApprovalDecision.Decline, "NonInteractive");
            }

            var question = $"Codex asks to {action.ToLowerInvariant()}: {target}" + (request.Reason is { } reason ? $"{Environment.NewLine}Reason: {reason}" : string.Empty);
            if (_yesToAll)
            {
                return (CodexApprovalDecision.AcceptForSession, "User (Yes to All)");
            }

            if (_noToAll)
            {
                return (CodexApprovalDecision.Decline, "User (No to All)");
            }

            var yes = ShouldContinue(question, "Codex approval", ref _yesToAll, ref _noToAll);
            return yes ? (_yesToAll ? CodexApprovalDecision.AcceptForSession : CodexApprovalDecision.Accept, "User") : (CodexApprovalDecision.Decline, "User");
        }
        catch (Exception ex) when (ex is PSInvalidOperationException or HostException or NotImplementedException)
        {
            WriteWarning($"Declined: {action} '{target}'. The host could not ask ({ex.Message}).");
            return (CodexApprovalDecision.Decline, "NonInteractive");
        }
    }

    /// <summary>-WhatIf given, or $WhatIfPreference set by the caller.</summary>
    private bool IsWhatIf()
    {
        if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound))
        {
            return bound is SwitchParameter { IsPresent: true };
        }

        return LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));
    }

    private CodexApprovalDecision InvokeHandler(ScriptBlock handler, CodexApprovalRequest request)
    {
        Collection<PSObject> output;
        try
        {
            var variables = new List<PSVariable> { new("_", request), new("PSItem", request) };
            output = handler.InvokeWithContext(null, variables, request);
        }
        catch (Exception ex) when (ex is RuntimeException or CodexException)
        {
            var record = ex is RuntimeException rte && rte.ErrorRecord is { } inner ? inner : null;
            WriteError(new ErrorRecord(ex, "CodexApprovalHandlerFailed", ErrorCategory.InvalidResult, request)
            {
                ErrorDetails = new ErrorDetails($"The approval handler failed, so the request was declined: {record?.Exception?.Message ?? ex.Message}"),
            });
            return CodexApprovalDecision.Decline;
        }

        var answer = output.LastOrDefault(o => o is not null)?.BaseObject;
        switch (answer)
        {
            case CodexApprovalDecision decision:
                return decision;
            case bool b:
                return b ? CodexApprovalDecision.Accept : CodexApprovalDecision.Decline;
            case string text when Enum.TryParse<CodexApprovalDecision>(text, ignoreCase: true, out var parsed):
                return parsed;
            default:
                WriteError(new ErrorRecord(
                    new CodexException("CodexApprovalHandlerInvalidAnswer", $"The approval handler returned '{answer ?? "nothing"}'; expected Accept, AcceptForSession, Decline or Cancel. The request was declined."),
                    "CodexApprovalHandlerInvalidAnswer", ErrorCategory.InvalidResult, answer));
                return CodexApprovalDecision.Decline;
        }
    }
}
