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

    /// <summary>Runs a turn; onEvent sees every event in order (approvals already answered). Returns the final event, or null.</summary>
    protected TurnCompletedEvent? RunTurn(CodexConversation conversation, string prompt, CodexTurnOptions options, Action<CodexEvent> onEvent)
    {
        var handler = ApprovalHandler ?? ModuleState.GetHandler(conversation);
        CodexTurn turn;
        try
        {
            turn = Await(conversation.StartTurnAsync(prompt, options, CancellationToken));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, conversation));
            return null;
        }

        WriteVerbose($"Turn {turn.Id} started in conversation {conversation.Id}.");
        TurnCompletedEvent? last = null;
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

                    onEvent(evt);
                    if (evt is TurnCompletedEvent completed)
                    {
                        last = completed;
                        ReportFailure(conversation, completed);
                    }
                }

                if (conversation.Client.HasWarnings)
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
