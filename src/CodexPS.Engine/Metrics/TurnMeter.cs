using System.Diagnostics;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Metrics;

/// <summary>
/// What one turn measured, handed to the collector once when the turn ends. Everything is a plain field the
/// reader thread writes as events pass: a delta costs a comparison and an increment, never an allocation.
/// </summary>
internal sealed class TurnMeter
{
    private readonly CodexMetricsCollector _collector;
    private readonly long _sentTicks = Stopwatch.GetTimestamp();
    private Dictionary<string, DateTimeOffset>? _itemStarts;
    private long _startedReceivedTicks;
    private DateTimeOffset? _startedAt;
    private DateTimeOffset? _firstOutputAt;
    private long _input;
    private long _output;
    private long _total;
    private bool _hasUsage;
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
            case ErrorEvent error:
                OnError(error);
                break;
            case TurnCompletedEvent done:
                OnCompleted(done);
                break;
        }
    }

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
            _startedReceivedTicks = Stopwatch.GetTimestamp();
        }
    }

    private void OnItemStarted(CodexItem item, DateTimeOffset emittedAt)
    {
        if (item.Id is { } id)
        {
            (_itemStarts ??= new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal))[id] = emittedAt;
        }
    }

    private void OnItemCompleted(CodexItem item, string? turnId, DateTimeOffset emittedAt)
    {
        if (item.Type is "AgentMessage" or "Reasoning")
        {
            // An answer that came whole, without deltas, is still its first output.
            _firstOutputAt ??= emittedAt;
        }

        if (item.Id is { } id && _itemStarts is not null && _itemStarts.Remove(id, out var started))
        {
            _collector.Post(new ItemSignal(emittedAt, ConversationId, turnId, item.Type, (emittedAt - started).TotalMilliseconds));
        }
    }

    private void OnTokenUsage(TokenUsageEvent usage)
    {
        if (usage.Last is { } last)
        {
            _input += last.InputTokens;
            _output += last.OutputTokens;
            _total += last.TotalTokens;
            _hasUsage = true;
        }

        _collector.Post(new TokenUsageSignal(usage.Timestamp, ConversationId, usage.TurnId, usage.Total, usage.Last, usage.ModelContextWindow));
    }

    private void OnError(ErrorEvent error)
    {
        if (error.WillRetry)
        {
            _retried = true;
        }
    }

    private void OnCompleted(TurnCompletedEvent completed)
    {
        Report(completed.Timestamp, completed.TurnId, completed.Status, completed.Error?.CodexErrorInfo, completed.Duration);
    }

    public void OnFailed(Exception error)
    {
        var category = error is CodexException { ErrorId: "CodexRuntimeStopped" } ? "runtimeStopped"
            : error is OperationCanceledException ? "notStarted"
            : "runtimeExited";
        Report(DateTimeOffset.Now, null, CodexTurnStatus.Failed, category, null);
    }

    private void Report(DateTimeOffset endedAt, string? turnId, CodexTurnStatus status, string? errorCategory, TimeSpan? duration)
    {
        if (Interlocked.Exchange(ref _reported, 1) != 0)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        _collector.Post(new TurnSignal(endedAt, ConversationId, turnId)
        {
            Status = status,
            ErrorCategory = errorCategory,
            Retried = _retried,
            RuntimeDuration = duration,
            ProcessingMs = Stopwatch.GetElapsedTime(_sentTicks, now).TotalMilliseconds,
            ConnectionLatencyMs = _startedReceivedTicks == 0 ? null : Stopwatch.GetElapsedTime(_sentTicks, _startedReceivedTicks).TotalMilliseconds,
            StartedAt = _startedAt,
            FirstOutputAt = _firstOutputAt,
            InputTokens = _hasUsage ? _input : null,
            OutputTokens = _hasUsage ? _output : null,
            TotalTokens = _hasUsage ? _total : null,
        });
    }
}
