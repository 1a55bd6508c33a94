namespace CodexPS.Engine.Metrics;

public enum CodexMetricExportFormat
{
    Json,
    Csv,
    Html,
    Prometheus,
}
