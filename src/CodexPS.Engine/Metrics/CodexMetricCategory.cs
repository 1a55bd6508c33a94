namespace CodexPS.Engine.Metrics;

/// <summary>The seed's four groups of data points.</summary>
public enum CodexMetricCategory
{
    RateLimits,
    TokenUsage,
    Performance,
    SystemHealth,
}
