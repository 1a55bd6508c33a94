using System.Management.Automation;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS;

/// <summary>
/// A turn running in the background (Send-CodexTurn -AsJob): its events are the job's output, read by
/// Receive-Job; Stop-Job interrupts the turn. Nobody can be asked in a job, so approval requests are declined.
/// </summary>
public sealed class CodexTurnJob : Job
{
    private readonly CodexTurn _turn;
    private readonly CancellationTokenSource _stop = new();
    private string _status = "Running";

    internal CodexTurnJob(string command, CodexConversation conversation, CodexTurn turn)
        : base(command, $"CodexTurn {turn.Id}")
    {
        _turn = turn;
        ConversationId = conversation.Id;
        PSJobTypeName = "CodexTurnJob";
        SetJobState(JobState.Running);
        _ = Task.Run(ReadAsync);
    }

    public string ConversationId { get; }

    public string? TurnId => _turn.Id;

    public override bool HasMoreData => Output.Count > 0 || Error.Count > 0 || Warning.Count > 0;

    public override string Location => "localhost";

    public override string StatusMessage => _status;

    public override void StopJob()
    {
        if (IsFinished(JobStateInfo.State))
        {
            return;
        }

        SetJobState(JobState.Stopping);
        _stop.Cancel();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            _turn.InterruptAsync(timeout.Token).Wait(timeout.Token);
            _turn.Completion.Wait(timeout.Token);
        }
        catch (Exception)
        {
            // The runtime may be gone already; the job stops either way.
        }

        Finish(JobState.Stopped, "Stopped");
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var evt in _turn.ReadEventsAsync(_stop.Token).ConfigureAwait(false))
            {
                if (evt is ApprovalRequestedEvent approval && !approval.Request.IsAnswered)
                {
                    await approval.Request.RespondAsync(CodexApprovalDecision.Decline, "Job").ConfigureAwait(false);
                    Warning.Add(new WarningRecord($"Declined in a background job: {approval.Request}. Run the turn in the foreground with -ApprovalHandler to decide."));
                }

                Output.Add(PSObject.AsPSObject(evt));
                if (evt is TurnCompletedEvent completed)
                {
                    if (completed.Status == CodexTurnStatus.Failed)
                    {
                        var id = completed.Error?.ErrorId ?? "CodexTurnFailed";
                        Error.Add(new ErrorRecord(new CodexPS.Engine.CodexException(id, "The turn failed: " + (completed.Error?.Message ?? "the runtime gave no reason")), id, ErrorCategory.NotSpecified, ConversationId));
                    }

                    Finish(completed.Status == CodexTurnStatus.Failed ? JobState.Failed : JobState.Completed, completed.Status.ToString());
                    return;
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

    private void Finish(JobState state, string status)
    {
        lock (_stop)
        {
            if (IsFinished(JobStateInfo.State))
            {
                return;
            }

            _status = status;
            SetJobState(state);
        }
    }

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
}
