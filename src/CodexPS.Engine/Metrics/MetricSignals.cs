using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Metrics;

/// <summary>A raw observation on its way to the collector's background task, which turns it into data points.</summary>
internal abstract class MetricSignal
{
    protected MetricSignal(DateTimeOffset at)
    {
        At = at;
    }

    public DateTimeOffset At { get; }
}

internal sealed class TurnStartSignal(DateTimeOffset at, string conversationId) : MetricSignal(at)
{
    public string ConversationId { get; } = conversationId;
}

internal sealed class TurnSignal(DateTimeOffset at, string conversationId, string? turnId) : MetricSignal(at)
{
    public string ConversationId { get; } = conversationId;

    public string? TurnId { get; } = turnId;

    public CodexTurnStatus Status { get; init; }

    public string? ErrorCategory { get; init; }

    public bool Retried { get; init; }

    public TimeSpan? RuntimeDuration { get; init; }

    public double ProcessingMs { get; init; }

    public double? ConnectionLatencyMs { get; init; }

    public double? TurnStartLatencyMs { get; init; }

    public int CompletedRequests { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FirstOutputAt { get; init; }

    public long? InputTokens { get; init; }

    public long? OutputTokens { get; init; }

    public long? TotalTokens { get; init; }

    /// <summary>The turn's cost from the user's prices (Connect-Codex -Pricing); null without a price for its model.</summary>
    public decimal? CostUsd { get; init; }
}

internal sealed class TokenUsageSignal(DateTimeOffset at, string conversationId, string? turnId, CodexTokenUsage? total, CodexTokenUsage? last, long? contextWindow)
    : MetricSignal(at)
{
    public string ConversationId { get; } = conversationId;

    public string? TurnId { get; } = turnId;

    public CodexTokenUsage? Total { get; } = total;

    public CodexTokenUsage? Last { get; } = last;

    public long? ContextWindow { get; } = contextWindow;
}

/// <summary>A model request ended: completed (its tokens reported), refused or failed; its duration when its start is known.</summary>
internal sealed class ModelRequestSignal(DateTimeOffset at, string conversationId, string? turnId, ModelRequestOutcome outcome, double? durationMs, string? errorCategory)
    : MetricSignal(at)
{
    public string ConversationId { get; } = conversationId;

    public string? TurnId { get; } = turnId;

    public ModelRequestOutcome Outcome { get; } = outcome;

    public double? DurationMs { get; } = durationMs;

    public string? ErrorCategory { get; } = errorCategory;
}

internal sealed class RateLimitSignal(CodexRateLimits limits) : MetricSignal(limits.ReportedAt)
{
    public CodexRateLimits Limits { get; } = limits;
}

internal sealed class ItemSignal(DateTimeOffset at, string conversationId, string? turnId, string itemType, double durationMs) : MetricSignal(at)
{
    public string ConversationId { get; } = conversationId;

    public string? TurnId { get; } = turnId;

    public string ItemType { get; } = itemType;

    public double DurationMs { get; } = durationMs;
}

internal sealed class ClientSignal(DateTimeOffset at, CodexClient client, bool attached) : MetricSignal(at)
{
    public CodexClient Client { get; } = client;

    /// <summary>True when the client attached, false when its runtime exited on its own.</summary>
    public bool Attached { get; } = attached;
}

internal sealed class SampleSignal() : MetricSignal(DateTimeOffset.Now);

internal sealed class StoreSignal(string? path, TaskCompletionSource done) : MetricSignal(DateTimeOffset.Now)
{
    public string? Path { get; } = path;

    public TaskCompletionSource Done { get; } = done;
}

internal sealed class FlushSignal(TaskCompletionSource done) : MetricSignal(DateTimeOffset.Now)
{
    public TaskCompletionSource Done { get; } = done;
}
