using System.Diagnostics;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Metrics;

/// <summary>
/// What one turn measured: one signal per model request as it ends, one more when the turn ends. Everything is a
/// plain field the reader thread writes as events pass: a delta costs a comparison, never an allocation.
/// </summary>
/// <remarks>
/// The runtime never says when it sends a model request, only when one ended: a completed request reports its tokens
/// (thread/tokenUsage/updated, whose thread total then grows), a failed one is an error notification with willRetry
/// or the turn's final error. A request therefore runs from the turn's start (or the end of the request before it)
/// to its end, less the time its tool calls ran and its approvals waited: the runtime runs a tool call while it still
/// reads the response that asked for it, and reports that response's tokens only after the tool ended.
/// </remarks>
internal sealed class TurnMeter
{
    private readonly CodexMetricsCollector _collector;
    private readonly long _sentTicks = Stopwatch.GetTimestamp();
    private Dictionary<string, DateTimeOffset>? _itemStarts;
    private HashSet<string>? _openTools;
    private long _startSendingTicks;
    private long _startAnsweredTicks;
    private long _startedReceivedTicks;
    private DateTimeOffset? _startedAt;
    private DateTimeOffset? _firstOutputAt;
    private DateTimeOffset? _requestStart;
    private TimeSpan _outsideRequest;
    private int _openWork;
    private int _openApprovals;
    private DateTimeOffset _workSince;
    private long _input;
    private long _output;
    private long _total;
    private int _completedRequests;
    private bool _retried;
    private int _reported;

    internal TurnMeter(CodexMetricsCollector collector, string conversationId)
    {
        _collector = collector;
        ConversationId = conversationId;
        SentAt = DateTimeOffset.Now;
    }

    public string ConversationId { get; }

    public DateTimeOffset SentAt { get; }

    /// <summary>The meter as a sink of the turn's pipeline: each event the plugins passed on, in order.</summary>
    public void Observe(CodexEvent evt)
    {
        switch (evt)
        {
            case DeltaEvent delta:
                OnDelta(delta.Kind, delta.Timestamp);
                break;
            case TurnStartedEvent:
                OnTurnStarted(evt.Timestamp);
                break;
            case ItemEvent { Kind: CodexEventKind.ItemStarted } started:
                OnItemStarted(started.Item, started.Timestamp);
                break;
            case ItemEvent completed:
                OnItemCompleted(completed.Item, completed.TurnId, completed.Timestamp);
                break;
            case TokenUsageEvent usage:
                OnTokenUsage(usage);
                break;
            case ApprovalRequestedEvent asked:
                _openApprovals++;
                OpenWork(asked.Timestamp);
                break;
            case { Kind: CodexEventKind.ApprovalResolved }:
                if (_openApprovals > 0)
                {
                    _openApprovals--;
                    CloseWork(evt.Timestamp);
                }

                break;
            case ErrorEvent error:
                OnError(error);
                break;
            case TurnCompletedEvent done:
                OnCompleted(done);
                break;
        }
    }

    /// <summary>The turn's start request is about to be written to the runtime.</summary>
    public void OnStartSending() => _startSendingTicks = Stopwatch.GetTimestamp();

    /// <summary>The runtime answered the turn's start request: the round trip is the connection's latency.</summary>
    public void OnStartAnswered() => _startAnsweredTicks = Stopwatch.GetTimestamp();

    /// <summary>
    /// A delta, whether or not its event was built: the meter needs only its time, so a delta nobody asked for is
    /// counted without one. A command's output is not the model's.
    /// </summary>
    public void OnDelta(CodexEventKind kind, DateTimeOffset emittedAt)
    {
        if (kind != CodexEventKind.CommandOutputDelta)
        {
            _firstOutputAt ??= emittedAt;
        }
    }

    private void OnTurnStarted(DateTimeOffset emittedAt)
    {
        if (_startedAt is null)
        {
            _startedAt = emittedAt;
            _requestStart = emittedAt;
            _startedReceivedTicks = Stopwatch.GetTimestamp();
        }
    }

    private void OnItemStarted(CodexItem item, DateTimeOffset emittedAt)
    {
        if (item.Id is { } id)
        {
            (_itemStarts ??= new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal))[id] = emittedAt;
            if (IsClientWork(item) && (_openTools ??= new HashSet<string>(StringComparer.Ordinal)).Add(id))
            {
                OpenWork(emittedAt);
            }
        }
    }

    private void OnItemCompleted(CodexItem item, string? turnId, DateTimeOffset emittedAt)
    {
        if (item.Type is "AgentMessage" or "Reasoning")
        {
            // An answer that came whole, without deltas, is still its first output.
            _firstOutputAt ??= emittedAt;
        }

        if (item.Id is { } id && _openTools is not null && _openTools.Remove(id))
        {
            CloseWork(emittedAt);
        }

        if (item.Id is { } itemId && _itemStarts is not null && _itemStarts.Remove(itemId, out var started))
        {
            _collector.Post(new ItemSignal(emittedAt, ConversationId, turnId, item.Type, (emittedAt - started).TotalMilliseconds));
        }
    }

    /// <summary>Items the runtime runs on this machine between two model requests: their time is not the model's.</summary>
    private static bool IsClientWork(CodexItem item) => item.ProtocolType is "commandExecution" or "fileChange" or "mcpToolCall"
        or "dynamicToolCall" or "collabAgentToolCall" or "imageView" or "sleep";

    private void OpenWork(DateTimeOffset at)
    {
        if (_openWork++ == 0)
        {
            _workSince = at;
        }
    }

    private void CloseWork(DateTimeOffset at)
    {
        if (_openWork > 0 && --_openWork == 0 && at > _workSince)
        {
            _outsideRequest += at - _workSince;
        }
    }

    /// <summary>The time the model request in progress took up to <paramref name="end"/>, tool runs and approvals left out.</summary>
    private double? RequestMilliseconds(DateTimeOffset end)
    {
        if (_requestStart is not { } start || end < start)
        {
            return null;
        }

        var outside = _outsideRequest + (_openWork > 0 && end > _workSince ? end - _workSince : TimeSpan.Zero);
        return Math.Max(0, (end - start - outside).TotalMilliseconds);
    }

    private void NextRequest(DateTimeOffset at)
    {
        _requestStart = at;
        _outsideRequest = TimeSpan.Zero;
        if (_openWork > 0)
        {
            _workSince = at;
        }
    }

    private void OnTokenUsage(TokenUsageEvent usage)
    {
        // A report whose thread total did not grow repeats the last one (the runtime sends it again when a stream
        // breaks): no model request ended, and its tokens were counted already.
        var previous = _collector.ExchangeThreadTotal(ConversationId, usage.Total?.TotalTokens);
        var grew = usage.Total is { } total && previous is { } before ? total.TotalTokens > before : usage.Last is { TotalTokens: > 0 };
        if (grew && usage.Last is { } last)
        {
            _input += last.InputTokens;
            _output += last.OutputTokens;
            _total += last.TotalTokens;
            _completedRequests++;
            _collector.Post(new ModelRequestSignal(usage.Timestamp, ConversationId, usage.TurnId, ModelRequestOutcome.Completed, RequestMilliseconds(usage.Timestamp), null));
            NextRequest(usage.Timestamp);
        }

        _collector.Post(new TokenUsageSignal(usage.Timestamp, ConversationId, usage.TurnId, usage.Total, usage.Last, usage.ModelContextWindow));
    }

    private void OnError(ErrorEvent error)
    {
        if (!error.WillRetry)
        {
            // The turn's final error: counted once, from turn/completed.
            return;
        }

        // The runtime retries only a model request that failed; the next attempt starts now.
        _retried = true;
        var outcome = ModelRequests.Classify(error.Error?.CodexErrorInfo, error.Error?.HttpStatusCode) ?? ModelRequestOutcome.Failed;
        _collector.Post(new ModelRequestSignal(error.Timestamp, ConversationId, error.TurnId, outcome, RequestMilliseconds(error.Timestamp), error.Error?.CodexErrorInfo));
        NextRequest(error.Timestamp);
    }

    private void OnCompleted(TurnCompletedEvent completed)
    {
        if (completed.Status == CodexTurnStatus.Failed
            && ModelRequests.Classify(completed.Error?.CodexErrorInfo, completed.Error?.HttpStatusCode) is { } outcome)
        {
            _collector.Post(new ModelRequestSignal(completed.Timestamp, ConversationId, completed.TurnId, outcome, RequestMilliseconds(completed.Timestamp), completed.Error?.CodexErrorInfo));
        }

        Report(completed.Timestamp, completed.TurnId, completed.Status, completed.Error?.CodexErrorInfo, completed.Duration, completed.CostUsd);
    }

    public void OnFailed(Exception error)
    {
        var category = error is CodexException { ErrorId: "CodexRuntimeStopped" } ? "runtimeStopped"
            : error is OperationCanceledException ? "notStarted"
            : "runtimeExited";
        Report(DateTimeOffset.Now, null, CodexTurnStatus.Failed, category, null, null);
    }

    private void Report(DateTimeOffset endedAt, string? turnId, CodexTurnStatus status, string? errorCategory, TimeSpan? duration, decimal? costUsd)
    {
        if (Interlocked.Exchange(ref _reported, 1) != 0)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        var hasUsage = _completedRequests > 0;
        _collector.Post(new TurnSignal(endedAt, ConversationId, turnId)
        {
            Status = status,
            ErrorCategory = errorCategory,
            Retried = _retried,
            RuntimeDuration = duration,
            ProcessingMs = Stopwatch.GetElapsedTime(_sentTicks, now).TotalMilliseconds,
            ConnectionLatencyMs = _startSendingTicks == 0 || _startAnsweredTicks == 0 ? null : Stopwatch.GetElapsedTime(_startSendingTicks, _startAnsweredTicks).TotalMilliseconds,
            TurnStartLatencyMs = _startedReceivedTicks == 0 ? null : Stopwatch.GetElapsedTime(_sentTicks, _startedReceivedTicks).TotalMilliseconds,
            StartedAt = _startedAt,
            FirstOutputAt = _firstOutputAt,
            CompletedRequests = _completedRequests,
            InputTokens = hasUsage ? _input : null,
            OutputTokens = hasUsage ? _output : null,
            TotalTokens = hasUsage ? _total : null,
            CostUsd = costUsd,
        });
    }
}
