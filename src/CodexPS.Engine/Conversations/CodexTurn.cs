using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>
/// One turn. The runtime's reader writes its events into a bounded channel (it waits when the channel is
/// full, so the runtime is slowed rather than memory growing); one consumer reads them in order.
/// </summary>
public sealed class CodexTurn
{
    private readonly TurnEventQueue _queue;
    private readonly CodexTurnOptions _options;
    private readonly TaskCompletionSource<TurnCompletedEvent> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _abandoned;
    private readonly Metrics.TurnMeter? _meter;
    private int _reading;

    internal CodexTurn(CodexConversation conversation, CodexTurnOptions options, int capacity)
    {
        Conversation = conversation;
        _options = options;
        _queue = new TurnEventQueue(capacity);
        _meter = conversation.Client.Metrics?.StartTurn(conversation.Id);
        Pipeline = new EventPipeline(this, _queue, _meter, options.IncludeDeltas);
    }

    public CodexConversation Conversation { get; }

    /// <summary>Where the reader hands this turn's notifications and requests (see <see cref="EventPipeline"/>).</summary>
    internal EventPipeline Pipeline { get; }

    public string? Id { get; private set; }

    /// <summary>Completes with the final event, or faults when the runtime dies first.</summary>
    public Task<TurnCompletedEvent> Completion => _completion.Task;

    public bool IsCompleted => _completion.Task.IsCompleted;

    /// <summary>
    /// The turn's events in order, ending with TurnCompleted. An approval request yielded here is answered by
    /// the turn's or conversation's handler before it is yielded; one the consumer leaves unanswered is
    /// declined when the consumer asks for the next event or stops reading.
    /// </summary>
    public async IAsyncEnumerable<CodexEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _reading, 2, 0) != 0)
        {
            throw new InvalidOperationException("A turn's events can be read only once.");
        }

        var handler = _options.ApprovalHandler ?? Conversation.ApprovalHandler;
        ApprovalRequestedEvent? lastApproval = null;
        try
        {
            while (await _queue.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_queue.TryRead(out var next))
                {
                    if (lastApproval is not null)
                    {
                        await DeclineUnanswered(lastApproval.Request).ConfigureAwait(false);
                        lastApproval = null;
                    }

                    if (next is ApprovalRequestedEvent approval)
                    {
                        if (handler is not null)
                        {
                            var decision = await handler(approval.Request, cancellationToken).ConfigureAwait(false);
                            await approval.Request.RespondAsync(decision, "handler").ConfigureAwait(false);
                        }

                        lastApproval = approval;
                    }

                    yield return next;

                    // The consumer asked for the next event: the runtime waits for this answer before it sends
                    // any, so decline now rather than when the next event arrives (it never would).
                    if (lastApproval is not null)
                    {
                        await DeclineUnanswered(lastApproval.Request).ConfigureAwait(false);
                        lastApproval = null;
                    }
                }
            }
        }
        finally
        {
            if (lastApproval is not null)
            {
                await DeclineUnanswered(lastApproval.Request).ConfigureAwait(false);
            }

            if (!_queue.IsCompleted)
            {
                Abandon();
            }
        }
    }

    /// <summary>
    /// For a consumer that owns a thread (the PowerShell pipeline): blocks until events arrive and moves every
    /// buffered one into <paramref name="batch"/>; false once the turn has ended. Handlers are not run here:
    /// the caller answers approval requests, and one it left unanswered is declined at its next call.
    /// Throws the runtime's failure, or OperationCanceledException when the token is cancelled.
    /// </summary>
    public bool ReadBatch(List<CodexEvent> batch, CancellationToken cancellationToken)
    {
        foreach (var evt in batch)
        {
            if (evt is ApprovalRequestedEvent approval && !approval.Request.IsAnswered)
            {
                DeclineUnanswered(approval.Request).GetAwaiter().GetResult();
            }
        }

        batch.Clear();
        if (Interlocked.CompareExchange(ref _reading, 1, 0) == 2)
        {
            throw new InvalidOperationException("A turn's events can be read only once.");
        }

        return _queue.ReadBatch(batch, cancellationToken);
    }

    /// <summary>The consumer stops reading: the rest of the turn is dropped and its approvals declined.</summary>
    public void StopReading()
    {
        if (!_queue.IsCompleted)
        {
            Abandon();
        }
    }

    /// <summary>Asks the runtime to stop this turn (turn/interrupt); the turn then ends with Status Interrupted.</summary>
    public async Task InterruptAsync(CancellationToken cancellationToken)
    {
        if (IsCompleted || Id is null)
        {
            return;
        }

        var parameters = new JsonObject { ["threadId"] = Conversation.Id, ["turnId"] = Id };
        await Conversation.Client.Rpc.RequestAsync("turn/interrupt", parameters, cancellationToken).ConfigureAwait(false);
    }

    internal void SetId(string? id)
    {
        Id ??= id;
    }

    /// <summary>Ends the turn with an error (the runtime died or was stopped); events already queued are still read first.</summary>
    internal void Fail(Exception error)
    {
        _meter?.OnFailed(error);
        // The conversation is free before anyone hears the turn ended, so a next turn can start at once.
        Conversation.TurnEnded(this);
        _queue.Complete(error);
        _completion.TrySetException(error);
        _ = _completion.Task.Exception; // observed: nobody may be awaiting it
    }

    /// <summary>The turn's end reached the queue (the pipeline queued it last): the consumer sees the end after it.</summary>
    internal void Finish(TurnCompletedEvent completed)
    {
        Conversation.TurnEnded(this);
        _queue.Complete();
        _completion.TrySetResult(completed);
    }

    /// <summary>The consumer has stopped reading: the pipeline queues nothing more.</summary>
    internal bool IsAbandoned => _abandoned;

    /// <summary>The consumer stopped reading: the rest of the turn is dropped (approvals declined) so the reader never waits on it.</summary>
    private void Abandon()
    {
        _abandoned = true;
        foreach (var left in _queue.Close())
        {
            if (left is ApprovalRequestedEvent approval)
            {
                _ = DeclineUnanswered(approval.Request);
            }
        }
    }

    private static async Task DeclineUnanswered(CodexApprovalRequest request)
    {
        if (request.IsAnswered)
        {
            return;
        }

        try
        {
            await request.RespondAsync(CodexApprovalDecision.Decline, "CodexPS (no handler, no consent)").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CodexException or ObjectDisposedException or IOException)
        {
            // The runtime is gone; there is nobody left to answer.
        }
    }
}
