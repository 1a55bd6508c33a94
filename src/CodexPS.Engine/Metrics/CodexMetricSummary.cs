namespace CodexPS.Engine.Metrics;

/// <summary>The seed's summary statistics of one metric over a range: count, min, max, mean, p50, p95 (of the non-null values).</summary>
public sealed record CodexMetricSummary(string Name, int Count, double? Min, double? Max, double? Mean, double? P50, double? P95);
