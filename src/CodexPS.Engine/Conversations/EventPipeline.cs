using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>
/// The one path of every event the runtime reports about a conversation. Each turn has one; the conversation has
/// one more for what is said outside its turns. Everything here runs on the runtime's reader thread (the methods say
/// so), in this order:
/// <list type="number">
/// <item>the factory builds the event, once (a delta only when someone needs it: the consumer, a plugin or a recording);</item>
/// <item>the engine plugins may change, drop or add events;</item>
/// <item>the sinks observe what the plugins passed on: recordings, the turn's meter, the conversation's diffs;</item>
/// <item>deltas the consumer did not ask for are dropped;</item>
/// <item>the rest goes into the turn's bounded queue, which the consumer reads on its own thread.</item>
/// </list>
/// A conversation's pipeline has no turn: it stops after the sinks.
/// </summary>
internal sealed class EventPipeline
{
    private readonly CodexConversation _conversation;
    private readonly CodexTurn? _turn;
    private readonly TurnEventQueue? _queue;
    private readonly Metrics.TurnMeter? _meter;
    private readonly TurnBudget? _budget;
    private readonly bool _includeDeltas;
    private readonly CodexEventFactory _factory;

    // What the plugins give back for one event; only the reader thread uses it, one event at a time.
    private readonly List<CodexEvent> _passed = new(4);

    /// <summary>The pipeline of a conversation's notifications outside its turns.</summary>
    internal EventPipeline(CodexConversation conversation)
    {
        _conversation = conversation;
        _factory = new CodexEventFactory(conversation.Id);
    }

    /// <summary>The pipeline of one turn.</summary>
    internal EventPipeline(CodexTurn turn, TurnEventQueue queue, Metrics.TurnMeter? meter, bool includeDeltas)
        : this(turn.Conversation)
    {
        _turn = turn;
        _queue = queue;
        _meter = meter;
        _budget = turn.Budget;
        _includeDeltas = includeDeltas;
    }

    /// <summary>The files a patch item of this turn announced; the approval request for it shows them.</summary>
    internal IReadOnlyList<CodexFileChange>? ChangesFor(string? itemId) => _factory.ChangesFor(itemId);

    /// <summary>A notification routed to this conversation (or turn).</summary>
    internal void OnReaderThreadNotification(string method, JsonElement parameters, DateTimeOffset timestamp)
    {
        if (CodexEventFactory.DeltaKindOf(method) is { } deltaKind)
        {
            // The hot path: thousands a second. Nobody needs the event unless the consumer asked for deltas, a plugin
            // may change them, or a recording keeps them; the meter needs only the time.
            if (!_includeDeltas && _conversation.Client.Plugins.EnginePlugins.Length == 0 && Volatile.Read(ref _conversation.RecordingTargets).Length == 0)
            {
                _meter?.OnDelta(deltaKind, timestamp);
                return;
            }

            OnReaderThreadPass(_factory.CreateDelta(deltaKind, method, parameters, timestamp, _turn?.Id));
            return;
        }

        var evt = _factory.Create(method, parameters, timestamp, _turn?.Id);
        if (evt is TurnStartedEvent && _turn is not null)
        {
            _turn.SetId(evt.TurnId);

            // An interrupt asked for before the runtime ran the turn is sent again now (it ignores an early one).
            _turn.MarkStarted();
        }

        OnReaderThreadPass(evt);
    }

    /// <summary>Rate limits the client read once for every turn running (and for the metrics).</summary>
    internal void OnReaderThreadRateLimits(string method, JsonElement parameters, DateTimeOffset timestamp, CodexRateLimits limits)
    {
        OnReaderThreadPass(_factory.CreateRateLimits(method, parameters, timestamp, _turn?.Id, limits));
    }

    /// <summary>
    /// A request the runtime asks in this turn. When nobody reads the turn any more it is declined here: the runtime
    /// must never wait for an answer that cannot come.
    /// </summary>
    internal ValueTask OnReaderThreadRequestAsync(string method, JsonElement parameters, DateTimeOffset timestamp, CodexApprovalRequest request)
    {
        if (_budget is { IsExceeded: true })
        {
            // The turn is being stopped for its budget: nothing more is run or approved in it. The request still takes
            // the path (recorded, seen), already answered, so no consumer answers it again.
            _ = request.RespondAsync(CodexApprovalDecision.Decline, "CodexPS (budget exceeded)");
        }

        if (OnReaderThreadPass(_factory.CreateRequest(method, parameters, timestamp, _turn?.Id, request)))
        {
            return default;
        }

        return new ValueTask(request.RespondAsync(CodexApprovalDecision.Decline, "CodexPS (nobody is reading the turn)"));
    }

    /// <summary>Steps 2 to 5 for one built event; false when something could not be queued (nobody reads the turn).</summary>
    private bool OnReaderThreadPass(CodexEvent evt)
    {
        var plugins = _conversation.Client.Plugins;
        if (plugins.EnginePlugins.Length == 0)
        {
            OnReaderThreadObserve(evt);
            return evt is TurnCompletedEvent completed ? OnReaderThreadEnd(completed, null) : OnReaderThreadQueue(evt) & OnReaderThreadQueueExceeded();
        }

        var passed = _passed;
        passed.Clear();
        plugins.Process(evt, passed);
        foreach (var result in passed)
        {
            OnReaderThreadObserve(result);
        }

        if (evt is TurnCompletedEvent end)
        {
            // Plugins cannot drop the turn's end; the last one they passed on is the turn's result.
            return OnReaderThreadEnd(passed.OfType<TurnCompletedEvent>().LastOrDefault() ?? end, passed);
        }

        var queued = true;
        foreach (var result in passed)
        {
            queued &= OnReaderThreadQueue(result);
        }

        return queued & OnReaderThreadQueueExceeded();
    }

    /// <summary>Step 3: every sink sees the event, whether or not the consumer will.</summary>
    private void OnReaderThreadObserve(CodexEvent evt)
    {
        var recordings = Volatile.Read(ref _conversation.RecordingTargets);
        if (recordings.Length != 0)
        {
            // Outside a turn an event is recorded under the turn it names; in a turn, under the turn.
            var turnId = _turn?.Id;
            foreach (var recording in recordings)
            {
                recording.Observe(evt, turnId);
            }
        }

        // Before the meter: the budget sets the turn's cost on TurnCompleted, which the meter reports.
        _budget?.Observe(evt);
        _meter?.Observe(evt);
        if (evt is TurnDiffEvent { TurnId: { } diffTurnId } diff)
        {
            // Kept by the conversation: turn/diff/updated can come after turn/completed, when no turn is active.
            _conversation.RecordDiff(diffTurnId, diff.Diff);
        }
        else if (evt is GoalEvent goal)
        {
            // Goal changes outside turns reach no consumer; the conversation keeps the latest for engine users.
            _conversation.Goal = goal.Goal;
        }
    }

    /// <summary>Steps 4 and 5: a delta nobody asked for goes no further; anything else is queued (waiting while the queue is full).</summary>
    private bool OnReaderThreadQueue(CodexEvent evt)
    {
        if (_queue is null || (evt is DeltaEvent && !_includeDeltas))
        {
            return true;
        }

        _turn!.ObserveResult(evt);
        return !_turn.IsAbandoned && _queue.Write(evt);
    }

    /// <summary>
    /// A passed budget's event, queued once, right after the event that passed it (or the first event after the duration
    /// timer went off, at the latest before the turn's end). Like the notices, plugins and recordings never see it.
    /// </summary>
    private bool OnReaderThreadQueueExceeded()
    {
        return _budget?.TakeExceeded() is not { } exceeded || OnReaderThreadQueue(exceeded);
    }

    /// <summary>The turn's end: recorded while the turn is still the conversation's, then the conversation is freed, then the end is queued last.</summary>
    private bool OnReaderThreadEnd(TurnCompletedEvent final, List<CodexEvent>? passed)
    {
        if (_turn is null)
        {
            return true;
        }

        // Free the conversation before the consumer can see the end, so it may start the next turn at once.
        _conversation.TurnEnded(_turn);
        var queued = OnReaderThreadQueueExceeded();
        if (passed is null)
        {
            queued = OnReaderThreadQueue(final);
        }
        else
        {
            foreach (var result in passed)
            {
                queued &= OnReaderThreadQueue(result);
            }
        }

        _turn.Finish(final);
        return queued;
    }
}
