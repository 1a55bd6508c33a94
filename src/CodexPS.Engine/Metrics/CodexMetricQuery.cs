namespace CodexPS.Engine.Metrics;

/// <summary>What to read back: names (a predicate, for wildcards), a time range and conversations.</summary>
public sealed class CodexMetricQuery
{
    public Func<string, bool>? NameFilter { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    public IReadOnlyCollection<string>? Conversations { get; init; }

    internal bool Matches(CodexMetricPoint point) =>
        (NameFilter is null || NameFilter(point.Name))
        && (Since is null || point.Timestamp >= Since)
        && (Until is null || point.Timestamp <= Until)
        && (Conversations is null || Conversations.Count == 0 || (point.ConversationId is not null && Conversations.Contains(point.ConversationId)));
}
