using System.Globalization;
using System.Net;
using System.Text;
using static CodexPS.Engine.Metrics.CodexMetricCatalog;

namespace CodexPS.Engine.Metrics;

/// <summary>
/// The HTML export: one self-contained page (inline CSS and SVG, no script, nothing fetched) with charts of
/// tokens, latency, throughput, rate-limit windows, errors and health over time, and the summary table.
/// </summary>
internal static class CodexMetricDashboard
{
    private const int Width = 560;
    private const int Height = 240;
    private const int Left = 64;
    private const int Right = 16;
    private const int Top = 40;
    private const int Bottom = 36;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly string[] Palette = { "#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563" };

    private sealed record Series(string Name, IReadOnlyList<CodexMetricPoint> Points);

    public static string Render(IReadOnlyList<CodexMetricPoint> points, DateTimeOffset? since, DateTimeOffset? until, DateTimeOffset generatedAt)
    {
        var byName = points.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => (IReadOnlyList<CodexMetricPoint>)g.Where(p => p.Value is not null).ToList(), StringComparer.Ordinal);
        var from = since ?? (points.Count > 0 ? points.Min(p => p.Timestamp) : generatedAt);
        var to = until ?? (points.Count > 0 ? points.Max(p => p.Timestamp) : generatedAt);
        if (points.Count > 0)
        {
            // Draw the span the data covers when the range asked for is wider (an open-ended -Until, say).
            from = Max(from, points.Min(p => p.Timestamp));
            to = Min(to, points.Max(p => p.Timestamp));
        }

        if (to <= from)
        {
            to = from.AddSeconds(1);
        }

        Series S(string name, string? label = null) => new(label ?? name, byName.GetValueOrDefault(name) ?? Array.Empty<CodexMetricPoint>());

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>CodexPS metrics</title>\n<style>\n")
            .Append("body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#111827;background:#f9fafb}")
            .Append("h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.meta{color:#4b5563;font-size:13px}")
            .Append(".charts{display:flex;flex-wrap:wrap;gap:16px}.chart{background:#fff;border:1px solid #e5e7eb;border-radius:6px}")
            .Append("table{border-collapse:collapse;font-size:12px;background:#fff}th,td{border:1px solid #e5e7eb;padding:3px 6px;text-align:right}")
            .Append("th{background:#f3f4f6}td.name,td.text{text-align:left}td.null{color:#6b7280;text-align:left;max-width:420px}")
            .Append(".increasing{color:#b45309}.decreasing{color:#1d4ed8}.stable{color:#4b5563}\n</style>\n</head>\n<body>\n");
        html.Append("<h1>CodexPS metrics</h1>\n<p class=\"meta\">Generated ").Append(E(generatedAt.ToString("u", Invariant)))
            .Append(" · range ").Append(E(from.ToString("u", Invariant))).Append(" – ").Append(E(to.ToString("u", Invariant)))
            .Append(" · ").Append(points.Count.ToString(Invariant)).Append(" data points of ")
            .Append(points.Select(p => p.Name).Distinct().Count().ToString(Invariant)).Append(" metrics</p>\n");

        html.Append("<h2>Over time</h2>\n<div class=\"charts\">\n");
        html.Append(Chart("tokens", "Tokens per turn", "tokens", from, to, null,
            S(InputTokensCurrent, "input"), S(OutputTokensCurrent, "output"), S(TotalTokensCurrent, "total")));
        html.Append(Chart("latency", "Latency", "ms", from, to, null,
            S(ProcessingTime, "processing time"), S(TurnDuration, "turn duration (runtime)"), S(ApiRequestDuration, "model request"), S(TimeToFirstToken, "time to first token"), S(ConnectionLatency, "connection latency")));
        html.Append(Chart("throughput", "Throughput", "tokens/s", from, to, null, S(TokensPerSecond, "tokens per second")));
        html.Append(Chart("ratelimits", "Rate-limit windows, used", "%", from, to, 100,
            S(QuotaUsagePercent, "primary window"), S(SecondaryUsedPercent, "secondary window")));
        var errors = (byName.GetValueOrDefault(ErrorsTotal) ?? Array.Empty<CodexMetricPoint>())
            .GroupBy(p => p.Label ?? "turnFailed").Select(g => new Series(g.Key, g.ToList())).ToArray();
        html.Append(Chart("errors", "Errors by category (cumulative)", "errors", from, to, null, errors.Length > 0 ? errors : new[] { S(ErrorsTotal, "errors") }));
        html.Append(Chart("health", "Health", "%", from, to, 100,
            S(ErrorRate, "error rate"), S(SystemHealthScore, "health score"), S(CpuUsage, "runtime CPU")));
        html.Append("</div>\n");

        html.Append("<h2>Summary</h2>\n<table>\n<tr><th>Metric</th><th>Category</th><th>Unit</th><th>Count</th><th>Min</th><th>Max</th><th>Mean</th><th>p50</th><th>p95</th><th>Trend</th><th>Note</th></tr>\n");
        var all = points.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var definition in CodexMetricCatalog.All)
        {
            var series = all.GetValueOrDefault(definition.Name) ?? new List<CodexMetricPoint>();
            var summary = CodexMetricStatistics.Summarize(definition.Name, series);
            var trend = summary.Count > 0 ? CodexMetricStatistics.Trend(definition.Name, series) : null;
            html.Append("<tr><td class=\"name\">").Append(E(definition.Name)).Append("</td><td class=\"text\">").Append(E(CodexMetricExporter.CategoryName(definition.Category)))
                .Append("</td><td class=\"text\">").Append(E(definition.Unit)).Append("</td><td>").Append(summary.Count.ToString(Invariant)).Append("</td>")
                .Append(Cell(summary.Min)).Append(Cell(summary.Max)).Append(Cell(summary.Mean)).Append(Cell(summary.P50)).Append(Cell(summary.P95))
                .Append("<td class=\"text ").Append(trend?.Direction ?? string.Empty).Append("\">").Append(E(trend?.Direction ?? string.Empty)).Append("</td>")
                .Append("<td class=\"null\">").Append(E(definition.NullReason ?? (summary.Count == 0 ? "No data in this range." : string.Empty))).Append("</td></tr>\n");
        }

        html.Append("</table>\n<p class=\"meta\">Every value comes from what the codex runtime reported or what CodexPS measured; metrics without a real signal stay empty, and the note says why.</p>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static string Cell(double? value) => "<td>" + (value is { } v ? E(Format(v)) : string.Empty) + "</td>";

    private static string Format(double value) => Math.Abs(value) switch
    {
        >= 1000 => value.ToString("N0", Invariant),
        >= 100 => value.ToString("0", Invariant),
        >= 10 => value.ToString("0.#", Invariant),
        >= 1 => value.ToString("0.##", Invariant),
        0 => "0",
        _ => value.ToString("G3", Invariant),
    };

    private static string Chart(string id, string title, string unit, DateTimeOffset from, DateTimeOffset to, double? fixedMax, params Series[] series)
    {
        var svg = new StringBuilder();
        svg.Append("<svg class=\"chart\" id=\"chart-").Append(id).Append("\" role=\"img\" width=\"").Append(Width).Append("\" height=\"").Append(Height)
            .Append("\" viewBox=\"0 0 ").Append(Width).Append(' ').Append(Height).Append("\">\n<title>").Append(E(title)).Append("</title>\n");
        svg.Append("<text x=\"12\" y=\"20\" font-size=\"14\" font-weight=\"600\" fill=\"#111827\">").Append(E(title)).Append(" (").Append(E(unit)).Append(")</text>\n");

        var values = series.SelectMany(s => s.Points).Select(p => p.Value!.Value).Where(double.IsFinite).ToArray();
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        var max = fixedMax ?? (values.Length > 0 ? values.Max() : 1);
        var min = Math.Min(0, values.Length > 0 ? values.Min() : 0);
        if (max <= min)
        {
            max = min + 1;
        }

        // Axes, grid and labels.
        for (var i = 0; i <= 4; i++)
        {
            var y = Top + plotHeight - (plotHeight * i / 4.0);
            var value = min + ((max - min) * i / 4.0);
            svg.Append("<line x1=\"").Append(Left).Append("\" x2=\"").Append(Left + plotWidth).Append("\" y1=\"").Append(N(y)).Append("\" y2=\"").Append(N(y))
                .Append("\" stroke=\"#e5e7eb\" stroke-width=\"1\"/>\n");
            svg.Append("<text x=\"").Append(Left - 6).Append("\" y=\"").Append(N(y + 4)).Append("\" font-size=\"10\" text-anchor=\"end\" fill=\"#4b5563\">")
                .Append(E(Format(value))).Append("</text>\n");
        }

        svg.Append("<line x1=\"").Append(Left).Append("\" x2=\"").Append(Left).Append("\" y1=\"").Append(Top).Append("\" y2=\"").Append(Top + plotHeight).Append("\" stroke=\"#9ca3af\"/>\n");
        svg.Append("<text x=\"").Append(Left).Append("\" y=\"").Append(Height - 12).Append("\" font-size=\"10\" fill=\"#4b5563\">").Append(E(from.ToLocalTime().ToString("HH:mm:ss", Invariant))).Append("</text>\n");
        svg.Append("<text x=\"").Append(Left + plotWidth).Append("\" y=\"").Append(Height - 12).Append("\" font-size=\"10\" text-anchor=\"end\" fill=\"#4b5563\">")
            .Append(E(to.ToLocalTime().ToString("HH:mm:ss", Invariant))).Append("</text>\n");
        if (fixedMax is 100)
        {
            var y80 = Top + plotHeight - (plotHeight * (80 - min) / (max - min));
            svg.Append("<line x1=\"").Append(Left).Append("\" x2=\"").Append(Left + plotWidth).Append("\" y1=\"").Append(N(y80)).Append("\" y2=\"").Append(N(y80))
                .Append("\" stroke=\"#f59e0b\" stroke-dasharray=\"4 3\"/>\n");
        }

        if (values.Length == 0)
        {
            svg.Append("<text x=\"").Append(Left + (plotWidth / 2)).Append("\" y=\"").Append(Top + (plotHeight / 2)).Append("\" font-size=\"12\" text-anchor=\"middle\" fill=\"#6b7280\">No data in this range</text>\n");
        }

        var span = (to - from).TotalMilliseconds;
        var legendX = 12.0;
        for (var s = 0; s < series.Length; s++)
        {
            var color = Palette[s % Palette.Length];
            var measured = series[s].Points.Where(p => p.Value is { } v && double.IsFinite(v)).OrderBy(p => p.Timestamp).ToArray();
            svg.Append("<rect x=\"").Append(N(legendX)).Append("\" y=\"26\" width=\"10\" height=\"4\" fill=\"").Append(color).Append("\"/>")
                .Append("<text x=\"").Append(N(legendX + 14)).Append("\" y=\"31\" font-size=\"10\" fill=\"#374151\">").Append(E(series[s].Name)).Append("</text>\n");
            legendX += 24 + (series[s].Name.Length * 5.5);
            if (measured.Length == 0)
            {
                continue;
            }

            var coordinates = measured.Select(p =>
            {
                var x = Left + (plotWidth * Math.Clamp((p.Timestamp - from).TotalMilliseconds / span, 0, 1));
                var y = Top + plotHeight - (plotHeight * Math.Clamp((p.Value!.Value - min) / (max - min), 0, 1));
                return (X: x, Y: y);
            }).ToArray();
            svg.Append("<polyline class=\"series\" data-metric=\"").Append(E(series[s].Name)).Append("\" fill=\"none\" stroke=\"").Append(color)
                .Append("\" stroke-width=\"2\" points=\"").Append(string.Join(" ", coordinates.Select(c => N(c.X) + "," + N(c.Y)))).Append("\"/>\n");
            if (coordinates.Length <= 60)
            {
                foreach (var (x, y) in coordinates)
                {
                    svg.Append("<circle cx=\"").Append(N(x)).Append("\" cy=\"").Append(N(y)).Append("\" r=\"3\" fill=\"").Append(color).Append("\"/>");
                }

                svg.Append('\n');
            }
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static string N(double value) => value.ToString("0.#", Invariant);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
