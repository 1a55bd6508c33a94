namespace CodexPS.Engine.Metrics;

/// <summary>What to read back: names (a predicate, for wildcards), a time range and conversations.</summary>
public sealed class CodexMetricQuery
{
    /// <summary>Which metric names to read; null reads every metric.</summary>
    public Func<string, bool>? NameFilter { get; init; }

    /// <summary>The earliest timestamp to read; null for no lower bound.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>The latest timestamp to read; null for no upper bound.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>The conversation ids to read; null or empty reads every conversation (points of none are left out otherwise).</summary>
    public IReadOnlyCollection<string>? Conversations { get; init; }

    internal bool Matches(CodexMetricPoint point) =>
        (NameFilter is null || NameFilter(point.Name))
        && (Since is null || point.Timestamp >= Since)
        && (Until is null || point.Timestamp <= Until)
        && (Conversations is null || Conversations.Count == 0 || (point.ConversationId is not null && Conversations.Contains(point.ConversationId)));
}
