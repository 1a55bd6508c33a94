using System.Collections.Concurrent;
using System.Threading.Channels;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;
using static CodexPS.Engine.Metrics.CodexMetricCatalog;

namespace CodexPS.Engine.Metrics;

/// <summary>The rules that turn a turn's signals (usage, rate limits, its end) into the turn, token, error and recovery metrics.</summary>
public sealed partial class CodexMetricsCollector
{
    private void OnTokenUsage(TokenUsageSignal usage)
    {
        var at = usage.At;
        if (usage.Total is { } total)
        {
            Record(at, TokensTotal, total.TotalTokens, null, usage.ConversationId, usage.TurnId);
            Record(at, TokensInput, total.InputTokens, null, usage.ConversationId, usage.TurnId);
            Record(at, TokensOutput, total.OutputTokens, null, usage.ConversationId, usage.TurnId);
        }

        // The context window is the only token limit the runtime reports: tokens_limit and tokens_remaining keep the
        // seed's names for it, the context_window_* twins say what it is.
        if (usage.ContextWindow is { } window)
        {
            Record(at, TokensLimit, window, null, usage.ConversationId, usage.TurnId);
            Record(at, ContextWindowTokens, window, null, usage.ConversationId, usage.TurnId);
            if (usage.Last is { } last)
            {
                var room = Math.Max(0, window - last.TotalTokens);
                Record(at, TokensRemaining, room, null, usage.ConversationId, usage.TurnId);
                Record(at, ContextWindowRemaining, room, null, usage.ConversationId, usage.TurnId);
            }
        }
    }

    private void OnModelRequest(ModelRequestSignal request)
    {
        var at = request.At;
        _requestsTotal++;
        Record(at, RequestsTotal, _requestsTotal, null, request.ConversationId, request.TurnId);
        if (request.Outcome == ModelRequestOutcome.Completed && request.DurationMs is { } duration)
        {
            Record(at, ApiRequestDuration, duration, null, request.ConversationId, request.TurnId);
        }

        Bounded(_requestAnswered, request.Outcome != ModelRequestOutcome.Failed, AvailabilityRequests);
        _serviceAvailability = 100.0 * _requestAnswered.Count(answered => answered) / _requestAnswered.Count;
        Record(at, ServiceAvailability, _serviceAvailability);

        _requestEnds.Enqueue(at);
        while (_requestEnds.Count > 0 && at - _requestEnds.Peek() > TimeSpan.FromSeconds(60))
        {
            _requestEnds.Dequeue();
        }

        Record(at, ThroughputRequestsPerSec, _requestEnds.Count / ObservedSeconds(at));
    }

    /// <summary>The seconds of the last minute the collector has seen turns in (at least 1), the divisor of the throughputs.</summary>
    private double ObservedSeconds(DateTimeOffset at) => Math.Clamp((at - (_firstTurnAt ?? at)).TotalSeconds, 1, 60);

    private void OnRateLimits(RateLimitSignal signal)
    {
        var limits = signal.Limits;
        var at = signal.At;
        if (limits.Primary is { } primary)
        {
            _primaryUsed = primary.UsedPercent;
            Record(at, QuotaUsagePercent, primary.UsedPercent);
            if (primary.ResetsAt is { } reset)
            {
                Record(at, TokensResetTime, Math.Max(0, (reset - at).TotalSeconds));
            }
        }

        if (limits.Secondary is { } secondary)
        {
            _secondaryUsed = secondary.UsedPercent;
            Record(at, SecondaryUsedPercent, secondary.UsedPercent);
            if (secondary.ResetsAt is { } reset)
            {
                Record(at, SecondaryResetTime, Math.Max(0, (reset - at).TotalSeconds));
            }
        }

        if (limits.Primary is not null || limits.Secondary is not null)
        {
            var highest = Math.Max(limits.Primary?.UsedPercent ?? 0, limits.Secondary?.UsedPercent ?? 0);
            Record(at, RateLimitStatus, highest >= 100 ? 2 : highest >= 80 ? 1 : 0);
        }
    }

    private void OnTurn(TurnSignal turn)
    {
        var at = turn.At;
        var conversation = turn.ConversationId;
        var turnId = turn.TurnId;
        var failed = turn.Status == CodexTurnStatus.Failed;

        if (turn.TotalTokens is { } total && turn.InputTokens is { } input && turn.OutputTokens is { } output)
        {
            _inputCumulative += input;
            _outputCumulative += output;
            _totalCumulative += total;
            _requestsWithUsage += turn.CompletedRequests;
            Record(at, InputTokensCurrent, input, null, conversation, turnId);
            Record(at, OutputTokensCurrent, output, null, conversation, turnId);
            Record(at, TotalTokensCurrent, total, null, conversation, turnId);
            Record(at, InputTokensCumulative, _inputCumulative);
            Record(at, OutputTokensCumulative, _outputCumulative);
            Record(at, TotalTokensCumulative, _totalCumulative);
            Record(at, TokensPerRequestAvg, (double)_totalCumulative / Math.Max(1, _requestsWithUsage));
            if (input > 0)
            {
                Record(at, TokenEfficiencyRatio, (double)output / input, null, conversation, turnId);
            }

            Bounded(_turnTotals, total, TrendTurns);
            if (_turnTotals.Count >= 2)
            {
                Record(at, TokenUsageTrend, CodexMetricStatistics.Slope(_turnTotals.Select((v, i) => ((double)i, v)).ToList()));
            }

            // Throughput of generation: from the first streamed output to the end, else the runtime's duration.
            double? seconds = turn.FirstOutputAt is { } first && at > first ? (at - first).TotalSeconds : turn.RuntimeDuration?.TotalSeconds;
            if (output > 0 && seconds is > 0)
            {
                Record(at, TokensPerSecond, output / seconds.Value, null, conversation, turnId);
            }
        }

        // Null without a price for the turn's model: CodexPS ships no price list, so an unknown cost is never a guess.
        Record(at, ModelTokenCost, turn.CostUsd is { } cost ? (double)cost : null, null, conversation, turnId);

        // Metrics without a real signal are recorded as null with each turn, so a reader sees them and why.
        Record(at, RequestsRemaining, null, null, conversation, turnId);
        Record(at, RequestsLimit, null, null, conversation, turnId);
        Record(at, RequestsResetTime, null, null, conversation, turnId);

        if (turn.RuntimeDuration is { } duration)
        {
            Record(at, TurnDuration, duration.TotalMilliseconds, null, conversation, turnId);
        }

        Record(at, ProcessingTime, turn.ProcessingMs, null, conversation, turnId);
        if (turn.ConnectionLatencyMs is { } latency)
        {
            Record(at, ConnectionLatency, latency, null, conversation, turnId);
        }

        if (turn.TurnStartLatencyMs is { } startLatency)
        {
            Record(at, TurnStartLatency, startLatency, null, conversation, turnId);
        }

        if (turn.StartedAt is { } started && turn.FirstOutputAt is { } firstOutput && firstOutput >= started)
        {
            Record(at, TimeToFirstToken, (firstOutput - started).TotalMilliseconds, null, conversation, turnId);
        }

        Bounded(_processing, turn.ProcessingMs, PercentileTurns);
        var sorted = _processing.OrderBy(v => v).ToArray();
        Record(at, ResponseTimeP50, CodexMetricStatistics.Percentile(sorted, 50));
        Record(at, ResponseTimeP95, CodexMetricStatistics.Percentile(sorted, 95));

        _completions.Enqueue(at);
        while (_completions.Count > 0 && at - _completions.Peek() > TimeSpan.FromSeconds(60))
        {
            _completions.Dequeue();
        }

        Record(at, ThroughputTurnsPerSec, _completions.Count / ObservedSeconds(at));

        var unstable = turn.Retried || (failed && IsTransport(turn.ErrorCategory));
        Bounded(_recent, new TurnOutcome(failed, unstable), RecentTurns);
        Record(at, ErrorRate, 100.0 * _recent.Count(t => t.Failed) / _recent.Count);
        Record(at, NetworkStability, 100.0 * _recent.Count(t => !t.Unstable) / _recent.Count);

        if (failed)
        {
            var category = turn.ErrorCategory ?? "turnFailed";
            _errorsByCategory[category] = _errorsByCategory.GetValueOrDefault(category) + 1;
            Record(at, ErrorsTotal, _errorsByCategory[category], category, conversation, turnId);
            _failingSince ??= at;
            if (category == "usageLimitExceeded")
            {
                Record(at, RateLimitStatus, 2);
            }
        }
        else if (turn.Status == CodexTurnStatus.Completed && _failingSince is { } since)
        {
            Record(at, ErrorRecoveryTime, Math.Max(0, (at - since).TotalMilliseconds), null, conversation, turnId);
            _failingSince = null;
        }
    }

    private static bool IsTransport(string? category) => category is "httpConnectionFailed" or "responseStreamConnectionFailed"
        or "responseStreamDisconnected" or "responseTooManyFailedAttempts" or "runtimeExited";

    private readonly record struct TurnOutcome(bool Failed, bool Unstable);
}
