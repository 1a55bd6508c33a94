using static CodexPS.Engine.Metrics.CodexMetricCatalog;

namespace CodexPS.Engine.Metrics;

/// <summary>How a metrics collector keeps and samples its points.</summary>
public sealed class CodexMetricsOptions
{
    /// <summary>The SQLite file that keeps the points across sessions; null keeps them in memory only.</summary>
    public string? StorePath { get; set; }

    /// <summary>How many points each metric keeps in memory (the oldest go first).</summary>
    public int SeriesCapacity { get; set; } = 2048;

    /// <summary>How often the runtime process (CPU, memory, uptime, queue) is sampled between turns.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Points older than this are removed from the store when it is opened.</summary>
    public TimeSpan StoreRetention { get; set; } = TimeSpan.FromDays(30);
}
