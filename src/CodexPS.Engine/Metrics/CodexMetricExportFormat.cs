namespace CodexPS.Engine.Metrics;

/// <summary>The file formats data points can be exported in.</summary>
public enum CodexMetricExportFormat
{
    /// <summary>A JSON document with the points and a summary per metric.</summary>
    Json,
    /// <summary>One row per data point, readable with Import-Csv.</summary>
    Csv,
    /// <summary>An HTML dashboard of the points.</summary>
    Html,
    /// <summary>The Prometheus text exposition format: the latest value of each metric.</summary>
    Prometheus,
}
