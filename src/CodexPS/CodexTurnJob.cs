using System.Management.Automation;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;
using CodexPS.Hosting;

namespace CodexPS;

/// <summary>
/// A turn running in the background (Send-CodexTurn -AsJob): its events are the job's output, read by
/// Receive-Job; Stop-Job interrupts the turn. Requests are answered by the turn's or conversation's handler
/// (script blocks run in the job's own runspace); nobody can be asked in a job, so the rest is declined.
/// </summary>
public sealed class CodexTurnJob : Job
{
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(2);
    private readonly CodexTurn _turn;
    private readonly string? _modulePath;
    private readonly CancellationTokenSource _stop = new();
    private string _status = "Running";

    internal CodexTurnJob(string command, CodexConversation conversation, CodexTurn turn, string? modulePath)
        : base(command, $"CodexTurn {turn.Id}")
    {
        _turn = turn;
        _modulePath = modulePath;
        ConversationId = conversation.Id;
        PSJobTypeName = "CodexTurnJob";
        SetJobState(JobState.Running);

        // A thread of its own that blocks on the turn's batches, as a pipeline does: a fast stream costs a wake-up
        // per batch, with no thread-pool hop or timer per wait (sixteen jobs at once share two cores with the runtime).
        var reader = new Thread(Read) { IsBackground = true, Name = "CodexPS turn job" };
        reader.Start();
    }

    /// <summary>The conversation the turn runs in.</summary>
    public string ConversationId { get; }

    /// <summary>The turn's id.</summary>
    public string? TurnId => _turn.Id;

    /// <summary>What the turn produced, built by the engine: the final answer and, with -OutputSchema, its Output.</summary>
    public CodexTurnResult Result => _turn.Result;

    /// <inheritdoc/>
    public override bool HasMoreData => Output.Count > 0 || Error.Count > 0 || Warning.Count > 0;

    /// <inheritdoc/>
    public override string Location => "localhost";

    /// <inheritdoc/>
    public override string StatusMessage => _status;

    /// <summary>Interrupts the turn (even one the runtime has not named yet) and waits briefly for its end.</summary>
    public override void StopJob()
    {
        if (IsFinished(JobStateInfo.State))
        {
            return;
        }

        SetJobState(JobState.Stopping);
        _stop.Cancel();
        _turn.StopReading();
        try
        {
            PipelineWait.WaitAtMost(_turn.Completion, StopWait);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // It ended by failing (the runtime may be gone); the job stops either way.
        }

        Finish(JobState.Stopped, "Stopped");
    }

    private void Read()
    {
        using var scripts = new JobScriptHost(_modulePath);
        JobScriptHost.Current = scripts;
        var handler = CodexServerRequestHandlers.Chain(_turn.RequestHandler, DeclineInJob.Instance);
        using var notices = _turn.ReceiveNotices(warnings: true, verbose: false, debug: false);
        var batch = new List<CodexEvent>(256);
        try
        {
            while (_turn.ReadBatch(batch, _stop.Token))
            {
                foreach (var evt in batch)
                {
                    if (!Take(evt, handler))
                    {
                        return;
                    }
                }
            }

            Finish(JobState.Stopped, "Stopped");
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // StopJob finishes the job.
        }
        catch (Exception ex)
        {
            Error.Add(new ErrorRecord(ex, ex is CodexPS.Engine.CodexException codex ? codex.ErrorId : "CodexTurnJobFailed", ErrorCategory.NotSpecified, ConversationId));
            Finish(JobState.Failed, "Failed");
        }
        finally
        {
            _turn.StopReading();
        }
    }

    /// <summary>One event into the job's streams (a request answered first, as the engine's reader does); false at the turn's end.</summary>
    private bool Take(CodexEvent evt, ICodexServerRequestHandler? handler)
    {
        if (evt is CodexNoticeEvent notice)
        {
            Warning.Add(new WarningRecord(notice.Message));
            return true;
        }

        if (evt is ApprovalRequestedEvent { Request.Kind: CodexApprovalKind.ToolCall } call)
        {
            Hosting.ToolCallRunner.DeclineInJob(call.Request);
            Warning.Add(new WarningRecord($"The tool {call.Request.Tool} was not run: a turn started with -AsJob runs no tools; the model was told."));
        }
        else if (evt is ApprovalRequestedEvent approval
            && PipelineWait.Wait(CodexServerRequestHandlers.AnswerAsync(approval.Request, handler, _stop.Token), _stop.Token) is { } answer)
        {
            Report(approval.Request, answer);
        }

        if (evt is BudgetExceededEvent exceeded)
        {
            Error.Add(new ErrorRecord(exceeded.ToException(), "CodexBudgetExceeded", ErrorCategory.LimitsExceeded, ConversationId));
        }

        if (evt is not TurnCompletedEvent completed)
        {
            Output.Add(PSObject.AsPSObject(evt));
            return true;
        }

        if (_turn.Result.OutputError is { } invalid)
        {
            Error.Add(new ErrorRecord(invalid, invalid.ErrorId, ErrorCategory.InvalidResult, _turn.Result.FinalResponse));
        }

        Output.Add(PSObject.AsPSObject(evt));
        if (completed.Status == CodexTurnStatus.Failed)
        {
            var id = completed.Error?.ErrorId ?? "CodexTurnFailed";
            Error.Add(new ErrorRecord(new CodexPS.Engine.CodexException(id, "The turn failed: " + (completed.Error?.Message ?? "the runtime gave no reason")), id, ErrorCategory.NotSpecified, ConversationId));
        }

        Finish(completed.Status == CodexTurnStatus.Failed ? JobState.Failed : JobState.Completed, completed.Status.ToString());
        return false;
    }

    private void Report(CodexApprovalRequest request, CodexServerRequestAnswer answer)
    {
        if (answer.Warning is { } warning)
        {
            Warning.Add(new WarningRecord(warning));
        }

        if (answer.Problem is { } problem)
        {
            Error.Add(new ErrorRecord(problem, problem.ErrorId, ErrorCategory.InvalidResult, answer.ProblemTarget ?? request));
        }
    }

    private void Finish(JobState state, string status)
    {
        lock (_stop)
        {
            if (IsFinished(JobStateInfo.State))
            {
                return;
            }

            if (JobStateInfo.State == JobState.Stopping && state == JobState.Completed)
            {
                // Stop-Job asked first: the interrupted turn's end that the reader may still take from its batch does
                // not make the job Completed.
                state = JobState.Stopped;
                status = "Stopped";
            }

            _status = status;
            SetJobState(state);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Cancel();
            _stop.Dispose();
        }

        base.Dispose(disposing);
    }

    private static bool IsFinished(JobState state) => state is JobState.Completed or JobState.Failed or JobState.Stopped;

    /// <summary>Last in a job's chain: nobody can be asked here, so what no handler decided is declined, with a warning.</summary>
    private sealed class DeclineInJob : ICodexServerRequestHandler
    {
        public static readonly DeclineInJob Instance = new();

        public ValueTask<CodexServerRequestAnswer?> HandleAsync(CodexApprovalRequest request, CancellationToken cancellationToken)
        {
            return new ValueTask<CodexServerRequestAnswer?>(CodexServerRequestAnswer.Decline("Job") with
            {
                Warning = $"Declined in a background job: {request}. Give the turn or its conversation an -ApprovalHandler to decide.",
            });
        }
    }
}
