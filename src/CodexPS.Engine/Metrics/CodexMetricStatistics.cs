namespace CodexPS.Engine.Metrics;

/// <summary>The statistics over data points: summaries, percentiles and trends.</summary>
public static class CodexMetricStatistics
{
    /// <summary>Below this R² a slope is noise, and the direction is "stable".</summary>
    public const double MinimumConfidence = 0.3;

    /// <summary>A change over the whole range smaller than this share of the mean magnitude is "stable".</summary>
    public const double StableShare = 0.05;

    /// <summary>Nearest-rank percentile of values sorted ascending; null when there are none.</summary>
    public static double? Percentile(IReadOnlyList<double> sorted, double percent)
    {
        if (sorted.Count == 0)
        {
            return null;
        }

        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    /// <summary>Count, min, max, mean, p50 and p95 of the points' non-null values.</summary>
    public static CodexMetricSummary Summarize(string name, IEnumerable<CodexMetricPoint> points)
    {
        var values = points.Where(p => p.Value is not null).Select(p => p.Value!.Value).OrderBy(v => v).ToArray();
        if (values.Length == 0)
        {
            return new CodexMetricSummary(name, 0, null, null, null, null, null);
        }

        return new CodexMetricSummary(name, values.Length, values[0], values[^1], values.Average(), Percentile(values, 50), Percentile(values, 95));
    }

    /// <summary>Least-squares slope of y over x; 0 with fewer than two distinct x.</summary>
    public static double Slope(IReadOnlyList<(double X, double Y)> samples) => Fit(samples).Slope;

    /// <summary>The direction of the points over time (increasing, decreasing or stable) from a least-squares fit; stable with fewer than three values.</summary>
    public static CodexMetricTrend Trend(string name, IEnumerable<CodexMetricPoint> points)
    {
        var measured = points.Where(p => p.Value is not null).OrderBy(p => p.Timestamp).ToArray();
        if (measured.Length < 3)
        {
            return new CodexMetricTrend(name, "stable", 0, 0);
        }

        var origin = measured[0].Timestamp;
        var samples = measured.Select(p => ((p.Timestamp - origin).TotalMinutes, p.Value!.Value)).ToArray();
        var (slope, r2) = Fit(samples);
        var span = samples[^1].Item1 - samples[0].Item1;
        var scale = Math.Max(samples.Average(s => Math.Abs(s.Item2)), 1e-9);
        var change = Math.Abs(slope * span) / scale;
        var direction = r2 < MinimumConfidence || change < StableShare ? "stable" : slope > 0 ? "increasing" : "decreasing";
        return new CodexMetricTrend(name, direction, slope, r2);
    }

    private static (double Slope, double R2) Fit(IReadOnlyList<(double X, double Y)> samples)
    {
        var n = samples.Count;
        if (n < 2)
        {
            return (0, 0);
        }

        var meanX = samples.Average(s => s.X);
        var meanY = samples.Average(s => s.Y);
        double sxx = 0, sxy = 0, syy = 0;
        foreach (var (x, y) in samples)
        {
            sxx += (x - meanX) * (x - meanX);
            sxy += (x - meanX) * (y - meanY);
            syy += (y - meanY) * (y - meanY);
        }

        if (sxx <= 0)
        {
            return (0, 0);
        }

        var slope = sxy / sxx;
        var r2 = syy <= 0 ? 0 : sxy * sxy / (sxx * syy);
        return (slope, r2);
    }
}
