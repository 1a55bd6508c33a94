using static CodexPS.Engine.Metrics.CodexMetricCatalog;

namespace CodexPS.Engine.Metrics;

/// <summary>What a query found, and why the store could not answer when it could not (the points then come from memory).</summary>
public sealed record CodexMetricQueryResult(IReadOnlyList<CodexMetricPoint> Points, bool FromStore, CodexMetricStoreException? StoreProblem);
