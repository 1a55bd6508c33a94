namespace CodexPS.Engine.Metrics;

/// <summary>The seed's four groups of data points.</summary>
public enum CodexMetricCategory
{
    /// <summary>Limits and quota: token totals against the context window, requests, window usage and reset times.</summary>
    RateLimits,
    /// <summary>Token counts per turn and cumulative, with averages, efficiency and trend.</summary>
    TokenUsage,
    /// <summary>Durations, latency, throughput and queue size.</summary>
    Performance,
    /// <summary>The runtime process and connection: memory, CPU, uptime, errors and availability.</summary>
    SystemHealth,
}
