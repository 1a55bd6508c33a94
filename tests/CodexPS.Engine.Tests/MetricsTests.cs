using System.Text.Json;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Metrics;
using CodexPS.Engine.Mock;
using CodexPS.Engine.Protocol;
using static CodexPS.Engine.Metrics.CodexMetricCatalog;

namespace CodexPS.Engine.Tests;

public sealed class MetricCatalogTests
{
    [Fact]
    public void CatalogHoldsTheSeeds42PointsInTheirFourGroups()
    {
        Assert.Equal(42, SeedPoints.Count);
        Assert.Equal(12, SeedPoints.Count(d => d.Category == CodexMetricCategory.RateLimits));
        Assert.Equal(10, SeedPoints.Count(d => d.Category == CodexMetricCategory.TokenUsage));
        Assert.Equal(10, SeedPoints.Count(d => d.Category == CodexMetricCategory.Performance));
        Assert.Equal(10, SeedPoints.Count(d => d.Category == CodexMetricCategory.SystemHealth));
        Assert.Equal(All.Count, All.Select(d => d.Name).Distinct().Count());
        Assert.All(All, d => Assert.False(string.IsNullOrWhiteSpace(d.Source + d.Computation + d.Unit)));
        var alwaysNull = SeedPoints.Where(d => d.NullReason is not null).Select(d => d.Name).Order().ToArray();
        Assert.Equal(new[] { ModelTokenCost, RequestsLimit, RequestsRemaining, RequestsResetTime }, alwaysNull);
    }

    [Fact]
    public void MetricsDocumentListsEveryDataPointWithItsSourceOrNullReason()
    {
        var doc = File.ReadAllText(Path.Combine(TestRuntime.RepoRoot, "docs", "metrics.md"));
        foreach (var definition in All)
        {
            var row = doc.Split('\n').SingleOrDefault(l => l.StartsWith("| `" + definition.Name + "` |", StringComparison.Ordinal));
            Assert.True(row is not null, $"docs/metrics.md has no row for {definition.Name}");
            Assert.Contains("| " + definition.Unit + " |", row, StringComparison.Ordinal);
            if (definition.NullReason is not null)
            {
                Assert.Contains("null", row, StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}

public sealed class MetricStatisticsTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static List<CodexMetricPoint> Series(params double[] values) =>
        values.Select((v, i) => new CodexMetricPoint(T0.AddMinutes(i), ProcessingTime, v)).ToList();

    [Fact]
    public void SummaryGivesCountMinMaxMeanAndNearestRankPercentiles()
    {
        var points = Series(5, 1, 4, 2, 3, 10, 6, 7, 8, 9);
        points.Add(new CodexMetricPoint(T0, ModelTokenCost, null));
        var summary = CodexMetricStatistics.Summarize(ProcessingTime, points.Where(p => p.Name == ProcessingTime));
        Assert.Equal(10, summary.Count);
        Assert.Equal(1, summary.Min);
        Assert.Equal(10, summary.Max);
        Assert.Equal(5.5, summary.Mean);
        Assert.Equal(5, summary.P50);
        Assert.Equal(10, summary.P95);
        Assert.Equal(0, CodexMetricStatistics.Summarize(ModelTokenCost, points.Where(p => p.Name == ModelTokenCost)).Count);
    }

    [Fact]
    public void TrendFindsDirectionSlopeAndConfidence()
    {
        var rising = CodexMetricStatistics.Trend(ProcessingTime, Series(10, 20, 30, 40, 50));
        Assert.Equal("increasing", rising.Direction);
        Assert.Equal(10, rising.Slope, 6);
        Assert.Equal(1, rising.Confidence, 6);

        var falling = CodexMetricStatistics.Trend(ProcessingTime, Series(50, 41, 30, 22, 10));
        Assert.Equal("decreasing", falling.Direction);
        Assert.True(falling.Confidence > 0.9);

        Assert.Equal("stable", CodexMetricStatistics.Trend(ProcessingTime, Series(100, 100.5, 99.8, 100.2, 100)).Direction);
        Assert.Equal("stable", CodexMetricStatistics.Trend(ProcessingTime, Series(10, 90, 12, 88, 11, 91)).Direction);
    }
}

public sealed class MetricExportTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<CodexMetricPoint> Sample() => new[]
    {
        new CodexMetricPoint(T0, QuotaUsagePercent, 40),
        new CodexMetricPoint(T0.AddSeconds(10), QuotaUsagePercent, 85),
        new CodexMetricPoint(T0.AddSeconds(20), QuotaUsagePercent, 90),
        new CodexMetricPoint(T0.AddSeconds(5), ErrorsTotal, 1, "internalServerError", "thr_1", "turn_1"),
        new CodexMetricPoint(T0.AddSeconds(6), ErrorsTotal, 1, "say \"hi\"\nthere", "thr_1", "turn_2"),
        new CodexMetricPoint(T0.AddSeconds(7), ModelTokenCost, null, null, "thr_1", "turn_2"),
        new CodexMetricPoint(T0.AddSeconds(8), ProcessingTime, 120.5, null, "thr,1", "turn_2"),
    };

    private static string Export(CodexMetricExportFormat format, IReadOnlyList<CodexMetricPoint> points)
    {
        using var stream = new MemoryStream();
        CodexMetricExporter.Write(stream, format, points, null, null, T0.AddMinutes(1));
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void JsonIsTheSeedsWebsiteFormat()
    {
        using var doc = JsonDocument.Parse(Export(CodexMetricExportFormat.Json, Sample()));
        var root = doc.RootElement;
        var metadata = root.GetProperty("metadata");
        Assert.Equal(7, metadata.GetProperty("totalDataPoints").GetInt32());
        Assert.Equal(20_000, metadata.GetProperty("monitoringDuration").GetInt64());
        Assert.Equal(new[] { "rateLimits", "tokenUsage", "performance", "systemHealth" }, metadata.GetProperty("categories").EnumerateArray().Select(e => e.GetString()));
        Assert.StartsWith("2025-01-01T12:01:00", metadata.GetProperty("generatedAt").GetString(), StringComparison.Ordinal);

        var quota = root.GetProperty("summary").GetProperty(QuotaUsagePercent);
        Assert.Equal(3, quota.GetProperty("count").GetInt32());
        Assert.Equal(40, quota.GetProperty("min").GetDouble());
        Assert.Equal(90, quota.GetProperty("max").GetDouble());
        Assert.Equal(215.0 / 3, quota.GetProperty("mean").GetDouble(), 6);
        Assert.Equal(85, quota.GetProperty("p50").GetDouble());
        Assert.Equal(90, quota.GetProperty("p95").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("summary").GetProperty(ModelTokenCost).GetProperty("mean").ValueKind);
        Assert.Equal(All.Count, root.GetProperty("summary").EnumerateObject().Count());

        Assert.Equal(3, root.GetProperty("timeSeries").GetProperty(QuotaUsagePercent).GetArrayLength());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("timeSeries").GetProperty(ModelTokenCost)[0].GetProperty("value").ValueKind);
        var trend = root.GetProperty("trends").GetProperty(QuotaUsagePercent);
        Assert.Equal("increasing", trend.GetProperty("direction").GetString());
        Assert.True(trend.GetProperty("slope").GetDouble() > 0);
        Assert.InRange(trend.GetProperty("confidence").GetDouble(), 0.5, 1);
        Assert.False(root.GetProperty("trends").TryGetProperty(ModelTokenCost, out _));
        Assert.Contains("prices", root.GetProperty("metadata").GetProperty("metrics").GetProperty(ModelTokenCost).GetProperty("nullReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CsvHasOneQuotedRowPerPoint()
    {
        var lines = Export(CodexMetricExportFormat.Csv, Sample()).TrimEnd('\n').Split('\n');
        Assert.Equal("Timestamp,Name,Category,Value,Unit,Label,ConversationId,TurnId", lines[0]);
        Assert.Equal("2025-01-01T12:00:00.0000000+00:00,quota_usage_percent,RateLimits,40,%,,,", lines[1]);
        Assert.Contains(lines, l => l.Contains(",errors_total,SystemHealth,1,errors,\"say \"\"hi\"\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith(",model_token_cost,TokenUsage,,USD,,thr_1,turn_2", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(",\"thr,1\",turn_2", StringComparison.Ordinal));
    }

    [Fact]
    public void PrometheusHasHelpAndTypeForEveryFamilyAndTheLatestSamples()
    {
        var text = Export(CodexMetricExportFormat.Prometheus, Sample());
        var lines = text.TrimEnd('\n').Split('\n');
        foreach (var definition in All)
        {
            Assert.Single(lines, l => l.StartsWith($"# HELP codex_{definition.Name} ", StringComparison.Ordinal));
            Assert.Single(lines, l => l == $"# TYPE codex_{definition.Name} {(definition.Kind == CodexMetricKind.Counter ? "counter" : "gauge")}");
        }

        Assert.Contains("codex_quota_usage_percent 90 " + T0.AddSeconds(20).ToUnixTimeMilliseconds(), lines);
        Assert.Contains("codex_errors_total{category=\"internalServerError\",conversation=\"thr_1\"} 1 " + T0.AddSeconds(5).ToUnixTimeMilliseconds(), lines);
        Assert.Contains(lines, l => l.StartsWith("codex_errors_total{category=\"say \\\"hi\\\"\\nthere\"", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("codex_model_token_cost", StringComparison.Ordinal));

        // Every sample line is NAME[{labels}] VALUE TIMESTAMP.
        var sample = new System.Text.RegularExpressions.Regex("^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-z_]+=\"([^\"\\\\]|\\\\.)*\",?)+\\})? -?[0-9.eE+-]+ [0-9]+$");
        Assert.All(lines.Where(l => !l.StartsWith('#')), l => Assert.Matches(sample, l));
    }

    [Fact]
    public void HtmlIsSelfContainedWithAChartPerSubjectAndTheSummaryTable()
    {
        var html = Export(CodexMetricExportFormat.Html, Sample());
        foreach (var chart in new[] { "tokens", "latency", "throughput", "ratelimits", "errors", "health" })
        {
            Assert.Contains($"<svg class=\"chart\" id=\"chart-{chart}\"", html, StringComparison.Ordinal);
        }

        Assert.Contains("<polyline class=\"series\" data-metric=\"primary window\"", html, StringComparison.Ordinal);
        Assert.Contains("No data in this range", html, StringComparison.Ordinal);
        Assert.Contains("say &quot;hi&quot;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        foreach (var definition in All)
        {
            Assert.Contains($"<td class=\"name\">{definition.Name}</td>", html, StringComparison.Ordinal);
        }
    }
}

public sealed class MetricStoreTests
{
    [Fact]
    public async Task PointsSurviveTheCollectorAndAreQueriedByTimeRange()
    {
        var dir = TestRuntime.NewTempDirectory("codexps-metrics");
        var path = Path.Combine(dir, "sub", "metrics.db");
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5);
        var first = new CodexMetricsCollector(new CodexMetricsOptions { StorePath = path });
        first.OnRateLimits(RateLimits(t0, 50));
        first.OnRateLimits(RateLimits(t0.AddMinutes(2), 85));
        await first.FlushAsync(CancellationToken.None);
        Assert.Null(first.StoreProblem);
        await first.DisposeAsync();
        Assert.True(File.Exists(path));

        await using var second = new CodexMetricsCollector(new CodexMetricsOptions { StorePath = path });
        var all = await second.QueryAsync(new CodexMetricQuery { NameFilter = n => n == QuotaUsagePercent }, CancellationToken.None);
        Assert.True(all.FromStore);
        Assert.Equal(new double?[] { 50, 85 }, all.Points.Select(p => p.Value));
        Assert.Empty(second.Snapshot());

        var late = await second.QueryAsync(new CodexMetricQuery { Since = t0.AddMinutes(1) }, CancellationToken.None);
        Assert.Equal(85, late.Points.Single(p => p.Name == QuotaUsagePercent).Value);
        var early = await second.QueryAsync(new CodexMetricQuery { Until = t0.AddMinutes(1) }, CancellationToken.None);
        Assert.Equal(50, early.Points.Single(p => p.Name == QuotaUsagePercent).Value);
        Assert.Empty((await second.QueryAsync(new CodexMetricQuery { Since = t0.AddMinutes(3) }, CancellationToken.None)).Points);
    }

    [Fact]
    public async Task ACorruptStoreIsReportedAndMetricsStayInMemory()
    {
        var path = Path.Combine(TestRuntime.NewTempDirectory("codexps-metrics"), "metrics.db");
        var garbage = new byte[8192];
        new Random(7).NextBytes(garbage);
        await File.WriteAllBytesAsync(path, garbage);

        await using var collector = new CodexMetricsCollector(new CodexMetricsOptions { StorePath = path });
        collector.OnRateLimits(RateLimits(DateTimeOffset.UtcNow, 12));
        var result = await collector.QueryAsync(new CodexMetricQuery(), CancellationToken.None);
        Assert.False(result.FromStore);
        Assert.Equal("CodexMetricStoreCorrupt", result.StoreProblem?.ErrorId);
        Assert.Equal(path, result.StoreProblem?.Path);
        Assert.Equal(12, result.Points.Single(p => p.Name == QuotaUsagePercent).Value);
        Assert.Contains(collector.DrainWarnings(), w => w.Contains("CodexMetricStoreCorrupt", StringComparison.Ordinal) && w.Contains(path, StringComparison.Ordinal));
        Assert.Equal(garbage, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task ALockedStoreIsReportedThenWrittenOnceReleased()
    {
        var path = Path.Combine(TestRuntime.NewTempDirectory("codexps-metrics"), "metrics.db");
        await using var collector = new CodexMetricsCollector(new CodexMetricsOptions { StorePath = path });
        await collector.FlushAsync(CancellationToken.None);
        using (var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            other.Open();
            using var lockCommand = other.CreateCommand();
            lockCommand.CommandText = "BEGIN EXCLUSIVE;";
            lockCommand.ExecuteNonQuery();
            collector.OnRateLimits(RateLimits(DateTimeOffset.UtcNow, 33));
            await collector.FlushAsync(CancellationToken.None);
            Assert.Equal("CodexMetricStoreLocked", collector.StoreProblem?.ErrorId);
            Assert.Contains(collector.DrainWarnings(), w => w.Contains("CodexMetricStoreLocked", StringComparison.Ordinal));
            lockCommand.CommandText = "ROLLBACK;";
            lockCommand.ExecuteNonQuery();
        }

        collector.OnRateLimits(RateLimits(DateTimeOffset.UtcNow, 34));
        var result = await collector.QueryAsync(new CodexMetricQuery { NameFilter = n => n == QuotaUsagePercent }, CancellationToken.None);
        Assert.Null(collector.StoreProblem);
        Assert.True(result.FromStore);
        Assert.Equal(new double?[] { 33, 34 }, result.Points.Select(p => p.Value));
    }

    internal static CodexRateLimits RateLimits(DateTimeOffset at, int primary)
    {
        var json = JsonDocument.Parse($"{{\"primary\":{{\"usedPercent\":{primary},\"windowDurationMins\":300,\"resetsAt\":{at.AddHours(1).ToUnixTimeSeconds()}}}}}").RootElement;
        return new CodexRateLimits(json, at);
    }
}

[Collection(RealRuntimeCollection.Name)]
public sealed class RuntimeMetricsTests
{
    private static async Task<(MockModelServer Mock, CodexClient Client, CodexMetricsCollector Metrics, string Workspace)> StartAsync(string? storePath, params MockResponse[] script)
    {
        var mock = MockModelServer.Start(script);
        var metrics = new CodexMetricsCollector(new CodexMetricsOptions { StorePath = storePath });
        var workspace = TestRuntime.NewTempDirectory("codexps-ws");
        var options = new CodexClientOptions
        {
            CodexHome = TestRuntime.NewTempDirectory("codexps-home"),
            ModelProvider = mock.Provider,
            WorkingDirectory = workspace,
            Metrics = metrics,
        };
        options.SearchRoots.Add(TestRuntime.RepoRoot);
        var client = await CodexClient.StartAsync(options, CancellationToken.None);
        return (mock, client, metrics, workspace);
    }

    private static async Task<TurnCompletedEvent> RunAsync(CodexConversation conversation, string prompt, CodexTurnOptions? options = null)
    {
        var turn = await conversation.StartTurnAsync(prompt, options, CancellationToken.None);
        var events = await TestRuntime.CollectAsync(turn);
        return (TurnCompletedEvent)events[^1];
    }

    [Fact]
    public async Task ATurnFeedsTokenTimingRateLimitAndProcessMetrics()
    {
        var store = Path.Combine(TestRuntime.NewTempDirectory("codexps-metrics"), "metrics.db");
        var limits = new MockRateLimits(42, 300, DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeSeconds(), 7, 10080, DateTimeOffset.UtcNow.AddDays(3).ToUnixTimeSeconds());
        var (mock, client, metrics, _) = await StartAsync(store,
            new MockResponse { Kind = MockResponseKind.ExecCommand, Command = "echo metrics", RateLimits = limits },
            new MockResponse { Kind = MockResponseKind.Text, Text = "The command printed metrics.", Deltas = 6, DeltaDelay = TimeSpan.FromMilliseconds(20), RateLimits = limits });
        try
        {
            var started = DateTimeOffset.UtcNow.AddSeconds(-1);
            var conversation = await client.StartConversationAsync(new CodexConversationOptions
            {
                ApprovalPolicy = CodexApprovalPolicy.Untrusted,
                Sandbox = CodexSandbox.WorkspaceWrite,
                ApprovalHandler = (_, _) => Task.FromResult(CodexApprovalDecision.Accept),
            }, CancellationToken.None);
            var completed = await RunAsync(conversation, "Run a command");
            Assert.Equal(CodexTurnStatus.Completed, completed.Status);

            var result = await metrics.QueryAsync(new CodexMetricQuery { Since = started }, CancellationToken.None);
            Assert.True(result.FromStore, result.StoreProblem?.Message);
            var points = result.Points;
            double? Last(string name) => points.Last(p => p.Name == name).Value;

            // Two model requests: the turn's tokens are the sum of both "last" usages, and equal the thread total.
            Assert.Equal(2, mock.Requests.Count);
            Assert.Equal(Last(TokensTotal), Last(TotalTokensCurrent));
            Assert.Equal(Last(TokensOutput), Last(OutputTokensCurrent));
            Assert.True(Last(OutputTokensCurrent) > 6);
            Assert.Equal(Last(InputTokensCurrent) + Last(OutputTokensCurrent), Last(TotalTokensCurrent));
            Assert.Equal(Last(TotalTokensCurrent), Last(TotalTokensCumulative));
            Assert.True(Last(TokensLimit) > 100_000);
            Assert.True(Last(TokensRemaining) < Last(TokensLimit));
            // One turn of two model requests: requests_total counts the requests, turns_total the turn.
            Assert.Equal(2, Last(RequestsTotal));
            Assert.Equal(1, Last(TurnsTotal));
            Assert.Equal(Last(TokensLimit), Last(ContextWindowTokens));

            Assert.Equal(42, Last(QuotaUsagePercent));
            Assert.Equal(7, Last(SecondaryUsedPercent));
            Assert.InRange(Last(TokensResetTime)!.Value, 7000, 7300);
            Assert.Equal(0, Last(RateLimitStatus));

            Assert.Equal(completed.Duration!.Value.TotalMilliseconds, Last(TurnDuration));
            Assert.True(Last(ProcessingTime) >= Last(TurnDuration) - 5);
            Assert.InRange(Last(TimeToFirstToken)!.Value, 1, Last(TurnDuration)!.Value);

            // Each model request is shorter than the turn that made it (the command ran between them).
            Assert.Equal(2, points.Count(p => p.Name == ApiRequestDuration));
            Assert.All(points.Where(p => p.Name == ApiRequestDuration), p => Assert.InRange(p.Value!.Value, 0, Last(TurnDuration)!.Value));
            Assert.InRange(Last(ConnectionLatency)!.Value, 0.01, Last(ProcessingTime)!.Value);
            Assert.True(Last(TokensPerSecond) > 0);
            Assert.True(points.Any(p => p.Name == ItemDuration && p.Label == "CommandExecution" && p.Value >= 0), string.Join(", ", points.Where(p => p.Name == ItemDuration).Select(p => p.Label + "=" + p.Value)));

            Assert.True(Last(MemoryUsage) > 1_000_000);
            Assert.Equal(1, Last(ConnectionStatus));
            Assert.Equal(1, Last(ActiveConnections));
            Assert.Equal(0, Last(ErrorRate));
            Assert.Equal(100, Last(NetworkStability));
            Assert.True(Last(Uptime) > 0);
            Assert.InRange(Last(SystemHealthScore)!.Value, 50, 100);
            Assert.All(points.Where(p => p.Definition.NullReason is not null), p => Assert.Null(p.Value));
            Assert.Contains(points, p => p.Name == ModelTokenCost && p.ConversationId == conversation.Id);
            Assert.Equal(0, metrics.DroppedSignals);
        }
        finally
        {
            await client.DisposeAsync();
            await metrics.DisposeAsync();
            await mock.DisposeAsync();
        }
    }

    [Fact]
    public async Task ACorruptStoreNeverBreaksATurn()
    {
        var store = Path.Combine(TestRuntime.NewTempDirectory("codexps-metrics"), "metrics.db");
        await File.WriteAllTextAsync(store, "this is not a database, it is a text file that happens to be here");
        var (mock, client, metrics, _) = await StartAsync(store, MockResponse.FromText("still fine", 2));
        try
        {
            var conversation = await client.StartConversationAsync(new CodexConversationOptions(), CancellationToken.None);
            var completed = await RunAsync(conversation, "hello");
            Assert.Equal(CodexTurnStatus.Completed, completed.Status);
            await metrics.FlushAsync(CancellationToken.None);
            Assert.Contains(client.DrainWarnings(), w => w.Contains("CodexMetricStoreCorrupt", StringComparison.Ordinal));
            var result = await metrics.QueryAsync(new CodexMetricQuery { Conversations = new[] { conversation.Id } }, CancellationToken.None);
            Assert.False(result.FromStore);
            Assert.Contains(result.Points, p => p.Name == ProcessingTime);
        }
        finally
        {
            await client.DisposeAsync();
            await metrics.DisposeAsync();
            await mock.DisposeAsync();
        }
    }

    [Fact]
    public async Task ErrorProneScenarioYieldsErrorsByCategoryAndRecoveryTimes()
    {
        var (mock, client, metrics, _) = await StartAsync(null);
        mock.Scenario = MockScenario.ErrorProne;
        try
        {
            var conversation = await client.StartConversationAsync(new CodexConversationOptions(), CancellationToken.None);
            var statuses = new List<CodexTurnStatus>();
            for (var i = 0; i < 6; i++)
            {
                statuses.Add((await RunAsync(conversation, "turn " + i)).Status);
            }

            Assert.Equal(new[] { CodexTurnStatus.Completed, CodexTurnStatus.Failed, CodexTurnStatus.Completed, CodexTurnStatus.Failed, CodexTurnStatus.Failed, CodexTurnStatus.Completed }, statuses);
            var points = (await metrics.QueryAsync(new CodexMetricQuery(), CancellationToken.None)).Points;
            Assert.Equal(50, points.Last(p => p.Name == ErrorRate).Value);
            Assert.Equal(2, points.Count(p => p.Name == ErrorRecoveryTime));
            Assert.All(points.Where(p => p.Name == ErrorRecoveryTime), p => Assert.True(p.Value > 0));
            Assert.Contains(points, p => p.Name == ErrorsTotal && p.Label == "internalServerError");
            Assert.True(points.Last(p => p.Name == NetworkStability).Value < 100);
        }
        finally
        {
            await client.DisposeAsync();
            await metrics.DisposeAsync();
            await mock.DisposeAsync();
        }
    }
}
