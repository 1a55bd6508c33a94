using CodexPS.Engine.Metrics;
using CodexPS.Engine.Runtime;

namespace CodexPS;

/// <summary>The session's one metric collector: every runtime the module starts feeds it, and it outlives reconnects.</summary>
internal static class SessionMetrics
{
    private static readonly object Gate = new();
    private static string? _mockMetricsPath;
    private static CodexMetricsCollector? _metrics;

    static SessionMetrics() => ModuleCleanup.MarkUsed();

    /// <summary>The collector, created on first use with the default store.</summary>
    public static CodexMetricsCollector Collector
    {
        get
        {
            lock (Gate)
            {
                return _metrics ??= new CodexMetricsCollector(new CodexMetricsOptions { StorePath = PathFor(null) });
            }
        }
    }

    /// <summary>The collector when something has used it already; null otherwise (nothing is started to answer).</summary>
    public static CodexMetricsCollector? IfStarted
    {
        get
        {
            lock (Gate)
            {
                return _metrics;
            }
        }
    }

    /// <summary>The collector a runtime with these settings feeds, switched to the store its settings name.</summary>
    public static CodexMetricsCollector For(CodexRuntimeSettings settings)
    {
        var metrics = Collector;
        var path = PathFor(settings);
        if (!string.Equals(metrics.StorePath, path, StringComparison.Ordinal))
        {
            // The store is opened on the collector's own task; the runtime starts meanwhile.
            _ = metrics.UseStoreAsync(path);
        }

        return metrics;
    }

    /// <summary>-MetricsPath, else $env:CODEXPS_METRICS_PATH, else a file of this process for mock runs, else the user's data folder.</summary>
    public static string PathFor(CodexRuntimeSettings? settings)
    {
        if (settings?.MetricsPath is { Length: > 0 } explicitPath)
        {
            return Path.GetFullPath(explicitPath);
        }

        if (Environment.GetEnvironmentVariable("CODEXPS_METRICS_PATH") is { Length: > 0 } fromEnvironment)
        {
            return Path.GetFullPath(fromEnvironment);
        }

        if (settings?.MockProvider is not null)
        {
            lock (Gate)
            {
                return _mockMetricsPath ??= Path.Combine(Path.GetTempPath(), "codexps-metrics-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8] + ".db");
            }
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "CodexPS", "metrics.db");
    }

    public static void Stop()
    {
        CodexMetricsCollector? metrics;
        lock (Gate)
        {
            metrics = _metrics;
            _metrics = null;
        }

        if (metrics is not null)
        {
            PipelineWait.WaitAtMost(metrics.DisposeAsync().AsTask(), TimeSpan.FromSeconds(5));
        }
    }
}
