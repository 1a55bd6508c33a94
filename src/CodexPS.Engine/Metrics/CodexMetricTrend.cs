namespace CodexPS.Engine.Metrics;

/// <summary>
/// Which way a metric moves: the least-squares slope of value over time (per minute), the direction it gives
/// and a confidence, the fit's R² (0 to 1).
/// </summary>
public sealed record CodexMetricTrend(string Name, string Direction, double Slope, double Confidence);
