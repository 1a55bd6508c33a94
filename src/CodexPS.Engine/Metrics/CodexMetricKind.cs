namespace CodexPS.Engine.Metrics;

/// <summary>How a metric behaves over time (the Prometheus TYPE).</summary>
public enum CodexMetricKind
{
    Gauge,
    Counter,
}
