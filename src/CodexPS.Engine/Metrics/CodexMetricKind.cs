namespace CodexPS.Engine.Metrics;

/// <summary>How a metric behaves over time (the Prometheus TYPE).</summary>
public enum CodexMetricKind
{
    /// <summary>A value that can go up and down (a level, a percentage).</summary>
    Gauge,
    /// <summary>A running total that only grows.</summary>
    Counter,
}
