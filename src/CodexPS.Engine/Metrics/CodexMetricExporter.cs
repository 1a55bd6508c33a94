using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CodexPS.Engine.Metrics;

/// <summary>Writes data points in the four export formats. Points carry no secrets: only names, numbers, ids and error categories.</summary>
public static class CodexMetricExporter
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly System.Buffers.SearchValues<char> CsvSpecial = System.Buffers.SearchValues.Create(",\"\n\r");

    /// <summary>The seed's category names, as the website format lists them.</summary>
    public static string CategoryName(CodexMetricCategory category) => category switch
    {
        CodexMetricCategory.RateLimits => "rateLimits",
        CodexMetricCategory.TokenUsage => "tokenUsage",
        CodexMetricCategory.Performance => "performance",
        _ => "systemHealth",
    };

    /// <summary>Writes the points to the stream in the given format; since and until describe the range covered, generatedAt when the export was made.</summary>
    public static void Write(Stream output, CodexMetricExportFormat format, IReadOnlyList<CodexMetricPoint> points, DateTimeOffset? since, DateTimeOffset? until, DateTimeOffset generatedAt)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(points);
        switch (format)
        {
            case CodexMetricExportFormat.Json:
                WriteJson(output, points, since, until, generatedAt);
                break;
            case CodexMetricExportFormat.Csv:
                WriteText(output, WriteCsv(points));
                break;
            case CodexMetricExportFormat.Prometheus:
                WriteText(output, WritePrometheus(points));
                break;
            case CodexMetricExportFormat.Html:
                WriteText(output, CodexMetricDashboard.Render(points, since, until, generatedAt));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, null);
        }
    }

    private static void WriteText(Stream output, string text)
    {
        var bytes = new UTF8Encoding(false).GetBytes(text);
        output.Write(bytes);
    }

    private static void WriteJson(Stream output, IReadOnlyList<CodexMetricPoint> points, DateTimeOffset? since, DateTimeOffset? until, DateTimeOffset generatedAt)
    {
        var byName = points.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();

        w.WriteStartObject("metadata");
        w.WriteString("generatedAt", generatedAt.ToString("o", Invariant));
        w.WriteNumber("totalDataPoints", points.Count);
        w.WriteNumber("monitoringDuration", points.Count == 0 ? 0 : (long)(points.Max(p => p.Timestamp) - points.Min(p => p.Timestamp)).TotalMilliseconds);
        w.WriteString("monitoringDurationUnit", "ms");
        w.WriteStartArray("categories");
        foreach (var category in Enum.GetValues<CodexMetricCategory>())
        {
            w.WriteStringValue(CategoryName(category));
        }

        w.WriteEndArray();
        WriteTime(w, "since", since ?? (points.Count == 0 ? null : points.Min(p => p.Timestamp)));
        WriteTime(w, "until", until ?? (points.Count == 0 ? null : points.Max(p => p.Timestamp)));
        w.WriteString("generator", "CodexPS " + (typeof(CodexMetricExporter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"));
        w.WriteStartObject("metrics");
        foreach (var definition in CodexMetricCatalog.All)
        {
            w.WriteStartObject(definition.Name);
            w.WriteString("category", CategoryName(definition.Category));
            w.WriteString("unit", definition.Unit);
            w.WriteString("type", definition.Kind == CodexMetricKind.Counter ? "counter" : "gauge");
            w.WriteString("source", definition.Source);
            w.WriteString("computation", definition.Computation);
            w.WriteBoolean("seedDataPoint", definition.IsSeedPoint);
            if (definition.NullReason is { } reason)
            {
                w.WriteString("nullReason", reason);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartObject("summary");
        foreach (var definition in CodexMetricCatalog.All)
        {
            var summary = CodexMetricStatistics.Summarize(definition.Name, byName.GetValueOrDefault(definition.Name) ?? new List<CodexMetricPoint>());
            w.WriteStartObject(definition.Name);
            w.WriteNumber("count", summary.Count);
            WriteNumber(w, "min", summary.Min);
            WriteNumber(w, "max", summary.Max);
            WriteNumber(w, "mean", summary.Mean);
            WriteNumber(w, "p50", summary.P50);
            WriteNumber(w, "p95", summary.P95);
            w.WriteString("unit", definition.Unit);
            w.WriteEndObject();
        }

        w.WriteEndObject();

        w.WriteStartObject("timeSeries");
        foreach (var definition in CodexMetricCatalog.All)
        {
            if (!byName.TryGetValue(definition.Name, out var series))
            {
                continue;
            }

            w.WriteStartArray(definition.Name);
            foreach (var point in series)
            {
                w.WriteStartObject();
                w.WriteString("timestamp", point.Timestamp.ToString("o", Invariant));
                w.WriteNumber("epochMs", point.Timestamp.ToUnixTimeMilliseconds());
                WriteNumber(w, "value", point.Value);
                if (point.Label is not null)
                {
                    w.WriteString("label", point.Label);
                }

                if (point.ConversationId is not null)
                {
                    w.WriteString("conversationId", point.ConversationId);
                }

                if (point.TurnId is not null)
                {
                    w.WriteString("turnId", point.TurnId);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();

        w.WriteStartObject("trends");
        foreach (var definition in CodexMetricCatalog.All)
        {
            if (!byName.TryGetValue(definition.Name, out var series) || series.All(p => p.Value is null))
            {
                continue;
            }

            var trend = CodexMetricStatistics.Trend(definition.Name, series);
            w.WriteStartObject(definition.Name);
            w.WriteString("direction", trend.Direction);
            w.WriteNumber("slope", Finite(trend.Slope));
            w.WriteString("slopeUnit", definition.Unit + "/min");
            w.WriteNumber("confidence", Finite(trend.Confidence));
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();
    }

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;

    private static void WriteNumber(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            w.WriteString(name, v.ToString("o", Invariant));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    /// <summary>One row per data point; an empty cell is a null. Reads back with Import-Csv.</summary>
    internal static string WriteCsv(IReadOnlyList<CodexMetricPoint> points)
    {
        var text = new StringBuilder("Timestamp,Name,Category,Value,Unit,Label,ConversationId,TurnId\n");
        foreach (var p in points)
        {
            text.Append(Csv(p.Timestamp.ToString("o", Invariant))).Append(',')
                .Append(Csv(p.Name)).Append(',')
                .Append(Csv(p.Category.ToString())).Append(',')
                .Append(p.Value is { } v ? Csv(v.ToString("R", Invariant)) : string.Empty).Append(',')
                .Append(Csv(p.Unit)).Append(',')
                .Append(Csv(p.Label)).Append(',')
                .Append(Csv(p.ConversationId)).Append(',')
                .Append(Csv(p.TurnId)).Append('\n');
        }

        return text.ToString();
    }

    private static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        return value.AsSpan().IndexOfAny(CsvSpecial) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>
    /// The Prometheus text exposition format: a HELP and a TYPE line for every metric family, then the latest
    /// value of each label set (with its timestamp). A metric without a real signal has no sample line.
    /// </summary>
    internal static string WritePrometheus(IReadOnlyList<CodexMetricPoint> points)
    {
        var byName = points.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var text = new StringBuilder();
        foreach (var definition in CodexMetricCatalog.All)
        {
            var family = "codex_" + definition.Name;
            var help = definition.NullReason is not { } reason ? definition.Computation
                : definition.IsAlwaysNull ? "Always absent: " + reason
                : definition.Computation + " Absent when null: " + reason;
            text.Append("# HELP ").Append(family).Append(' ').Append(EscapeHelp($"{help} Unit: {definition.Unit}.")).Append('\n');
            text.Append("# TYPE ").Append(family).Append(' ').Append(definition.Kind == CodexMetricKind.Counter ? "counter" : "gauge").Append('\n');
            if (!byName.TryGetValue(definition.Name, out var series))
            {
                continue;
            }

            var labelName = definition.Name switch
            {
                CodexMetricCatalog.ErrorsTotal => "category",
                CodexMetricCatalog.ItemDuration => "item_type",
                _ => "label",
            };
            foreach (var latest in series.Where(p => p.Value is not null).GroupBy(p => (p.Label, p.ConversationId)).Select(g => g.MaxBy(p => p.Timestamp)!))
            {
                text.Append(family);
                var labels = new List<string>();
                if (latest.Label is not null)
                {
                    labels.Add($"{labelName}=\"{EscapeLabel(latest.Label)}\"");
                }

                if (latest.ConversationId is not null)
                {
                    labels.Add($"conversation=\"{EscapeLabel(latest.ConversationId)}\"");
                }

                if (labels.Count > 0)
                {
                    text.Append('{').Append(string.Join(",", labels)).Append('}');
                }

                text.Append(' ').Append(latest.Value!.Value.ToString("R", Invariant))
                    .Append(' ').Append(latest.Timestamp.ToUnixTimeMilliseconds().ToString(Invariant)).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string EscapeHelp(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeLabel(string text) => EscapeHelp(text).Replace("\"", "\\\"", StringComparison.Ordinal);
}
