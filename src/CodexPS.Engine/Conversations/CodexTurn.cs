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
    private readonly TurnResultBuilder _result;
    private readonly TurnStopper _stopper;
    private int _reading;

    internal CodexTurn(CodexConversation conversation, CodexTurnOptions options, int capacity)
    {
        Conversation = conversation;
        _options = options;
        _queue = new TurnEventQueue(capacity);
        _meter = conversation.Client.Metrics?.StartTurn(conversation.Id);
        _result = new TurnResultBuilder(options.OutputSchema);
        _stopper = new TurnStopper(this);
        Budget = TurnBudget.For(this, options);
        Pipeline = new EventPipeline(this, _queue, _meter, options.IncludeDeltas);
    }

    /// <summary>The conversation the turn runs in.</summary>
    public CodexConversation Conversation { get; }

    /// <summary>Counts what the turn spends and stops it past a budget; null when it has no budget and the client no prices.</summary>
    internal TurnBudget? Budget { get; }

    /// <summary>Where the reader hands this turn's notifications and requests (see <see cref="EventPipeline"/>).</summary>
    internal EventPipeline Pipeline { get; }

    /// <summary>The runtime's id for the turn; null until the runtime names it (in its answer or an event).</summary>
    public string? Id { get; private set; }

    /// <summary>Completes with the final event, or faults when the runtime dies first.</summary>
    public Task<TurnCompletedEvent> Completion => _completion.Task;

    /// <summary>Whether the turn has ended (or failed).</summary>
    public bool IsCompleted => _completion.Task.IsCompleted;

    /// <summary>
    /// What the turn produced so far, built in the engine from the events its consumer sees: the final answer and,
    /// with an output schema, the parsed Output (or OutputError). Complete once TurnCompleted has been read.
    /// </summary>
    public CodexTurnResult Result => _result.Result;

    /// <summary>Whether the consumer stopped before the turn ended, so the turn is (being) interrupted.</summary>
    public bool IsStopRequested => _stopper.IsRequested;

    /// <summary>
    /// Asks for notices in the turn's queue, in order with its events, until the result is disposed: warnings
    /// the client raises and, when asked, the protocol's verbose and debug lines (<see cref="CodexNoticeEvent"/>).
    /// </summary>
    public IDisposable ReceiveNotices(bool warnings, bool verbose, bool debug)
    {
        var levels = (warnings ? 1 << (int)CodexNoticeLevel.Warning : 0)
            | (verbose ? 1 << (int)CodexNoticeLevel.Verbose : 0)
            | (debug ? 1 << (int)CodexNoticeLevel.Debug : 0);
        Volatile.Write(ref _noticeLevels, levels);
        IDisposable? protocol = verbose || debug
            ? Conversation.Client.ProtocolLog.ListenWith(debug, verbose, (isDebug, line) => PostNotice(isDebug ? CodexNoticeLevel.Debug : CodexNoticeLevel.Verbose, line))
            : null;
        return new NoticeSubscription(this, protocol);
    }

    /// <summary>Queues a notice for a consumer that asked for its level; false when nobody takes it.</summary>
    internal bool PostNotice(CodexNoticeLevel level, string message)
    {
        return (Volatile.Read(ref _noticeLevels) & (1 << (int)level)) != 0 && !_abandoned
            && _queue.WriteWithoutWaiting(new CodexNoticeEvent(level, message, Conversation.Id, Id));
    }

    private int _noticeLevels;

    private sealed class NoticeSubscription : IDisposable
    {
        private CodexTurn? _turn;
        private readonly IDisposable? _protocol;

        public NoticeSubscription(CodexTurn turn, IDisposable? protocol)
        {
            _turn = turn;
            _protocol = protocol;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _turn, null) is { } turn)
            {
                _protocol?.Dispose();
                Volatile.Write(ref turn._noticeLevels, 0);
            }
        }
    }

    /// <summary>The handler that answers this turn's server requests: the turn's own, else its conversation's; null: none (declined).</summary>
    public ICodexServerRequestHandler? RequestHandler => _options.RequestHandler ?? Conversation.RequestHandler;

    /// <summary>
    /// The turn's events in order, ending with TurnCompleted. A server request yielded here has been answered by
    /// <see cref="RequestHandler"/> before it is yielded (declined when nobody decided). Stopping the enumeration
    /// before the end interrupts the turn (see <see cref="StopReading"/>).
    /// </summary>
    public IAsyncEnumerable<CodexEvent> ReadEventsAsync(CancellationToken cancellationToken = default)
    {
        return ReadEventsAsync(RequestHandler, answered: null, cancellationToken);
    }

    /// <summary>
    /// Like <see cref="ReadEventsAsync(CancellationToken)"/>, answering server requests with
    /// <paramref name="handler"/>; <paramref name="answered"/> sees each answer sent (with any problem to report).
    /// </summary>
    public async IAsyncEnumerable<CodexEvent> ReadEventsAsync(ICodexServerRequestHandler? handler, Action<CodexApprovalRequest, CodexServerRequestAnswer>? answered, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _reading, 2, 0) != 0)
        {
            throw new InvalidOperationException("A turn's events can be read only once.");
        }

        ApprovalRequestedEvent? pending = null;
        // Everything buffered is taken under one lock and handed out from here; what was taken but never handed
        // out (the consumer stopped) has its approvals declined below, like what is left in the queue.
        var batch = new List<CodexEvent>(64);
        try
        {
            while (await _queue.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                batch.Clear();
                _queue.TakeAvailable(batch);
                foreach (var next in batch)
                {
                    var approval = next as ApprovalRequestedEvent;
                    if (approval is not null && handler is not null
                        && await CodexServerRequestHandlers.AnswerAsync(approval.Request, handler, cancellationToken).ConfigureAwait(false) is { } answer)
                    {
                        answered?.Invoke(approval.Request, answer);
                    }

                    pending = approval;
                    yield return next;

                    // Without a handler the consumer may answer while it holds the event. It has asked for the next one
                    // now, and the runtime sends nothing more until this is answered: decline it rather than wait.
                    if (pending is not null)
                    {
                        await DeclineUnansweredAsync(pending.Request).ConfigureAwait(false);
                        pending = null;
                    }
                }
            }
        }
        finally
        {
            if (pending is not null)
            {
                await DeclineUnansweredAsync(pending.Request).ConfigureAwait(false);
            }

            foreach (var left in batch)
            {
                if (left is ApprovalRequestedEvent { Request.IsAnswered: false } unanswered)
                {
                    await DeclineUnansweredAsync(unanswered.Request).ConfigureAwait(false);
                }
            }

            StopReading();
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
                SyncWait.Wait(DeclineUnansweredAsync(approval.Request), cancellationToken);
            }
        }

        batch.Clear();
        if (Interlocked.CompareExchange(ref _reading, 1, 0) == 2)
        {
            throw new InvalidOperationException("A turn's events can be read only once.");
        }

        return _queue.ReadBatch(batch, cancellationToken);
    }

    /// <summary>
    /// The consumer stops reading, however it stopped (the end of a loop, Select-Object -First, Ctrl+C, Stop-Job):
    /// a turn still running is interrupted (turn/interrupt, sent as soon as its id is known), the rest of its
    /// events is dropped and its approvals declined, so the conversation is free again once the runtime has
    /// stopped it. Nothing happens when the consumer read the turn to its end.
    /// </summary>
    public void StopReading()
    {
        if (_queue.IsCompleted)
        {
            return;
        }

        if (!IsCompleted)
        {
            _stopper.Request();
        }

        Abandon();
    }

    /// <summary>
    /// A budget was passed: the turn is interrupted the way a stopped consumer interrupts it (<see cref="TurnStopper"/>),
    /// but the consumer goes on reading, so everything up to the interrupted end is kept.
    /// </summary>
    internal void StopForBudget()
    {
        if (!IsCompleted)
        {
            _stopper.Request();
        }
    }

    /// <summary>Asks the runtime to stop this turn (turn/interrupt); the turn then ends with Status Interrupted.</summary>
    /// <remarks>
    /// Before the runtime has named the turn there is nothing to interrupt yet: the stop is remembered and sent
    /// once the id is known, and sent again when the runtime reports the turn started (it ignores an interrupt
    /// that arrives before the turn is running).
    /// </remarks>
    public Task InterruptAsync(CancellationToken cancellationToken)
    {
        return _stopper.InterruptAsync(cancellationToken);
    }

    internal void SetId(string? id)
    {
        Id ??= id;
        _stopper.OnIdKnown();
    }

    /// <summary>The runtime reports the turn running (turn/started): an interrupt asked for earlier is sent again now.</summary>
    internal void MarkStarted()
    {
        _stopper.OnStarted();
    }

    /// <summary>
    /// Sends the request that starts this turn (turn/start, review/start). Once it is written the runtime may
    /// start the turn whatever happens here, so cancelling the token does not forget it: the turn is stopped as
    /// soon as the runtime names it, and OperationCanceledException is thrown at once.
    /// </summary>
    internal async Task StartAsync(string method, JsonObject parameters, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _meter?.OnStartSending();
        var request = Conversation.Client.Rpc.RequestAsync(method, parameters, CancellationToken.None);
        JsonElement answer;
        try
        {
            answer = await request.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            StopReading();
            _ = request.ContinueWith(
                started =>
                {
                    if (started.IsCompletedSuccessfully)
                    {
                        SetId(started.Result.Prop("turn").Str("id"));
                    }
                    else
                    {
                        Fail(started.Exception?.InnerException ?? new OperationCanceledException("The turn did not start."));
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw new TurnStartStoppedException(cancellationToken);
        }

        _meter?.OnStartAnswered();
        SetId(answer.Prop("turn").Str("id"));
    }

    /// <summary>Ends the turn with an error (the runtime died or was stopped); events already queued are still read first.</summary>
    internal void Fail(Exception error)
    {
        _meter?.OnFailed(error);
        Budget?.Dispose();
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

    /// <summary>The result builder sees every event the consumer is given (on the reader thread, before it is queued).</summary>
    internal void ObserveResult(CodexEvent evt) => _result.Observe(evt);

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
                _ = DeclineUnansweredAsync(approval.Request);
            }
        }
    }

    private static async Task DeclineUnansweredAsync(CodexApprovalRequest request)
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
