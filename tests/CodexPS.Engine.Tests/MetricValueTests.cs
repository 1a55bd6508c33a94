using System.Collections;
using System.Diagnostics;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Metrics;
using CodexPS.Engine.Mock;
using CodexPS.Engine.Protocol;
using static CodexPS.Engine.Metrics.CodexMetricCatalog;

namespace CodexPS.Engine.Tests;

/// <summary>
/// Every data point with a value, checked against the exact value a scripted mock makes it: known tokens, rate-limit
/// headers, delays, a tool call, a retried failure and a failed turn, on a fresh collector and the real runtime.
/// </summary>
[Collection(RealRuntimeCollection.Name)]
public sealed class MetricValueTests
{
    private const double Tight = 1e-9;

    private static readonly string[] NoSignal = { ModelTokenCost, RequestsRemaining, RequestsLimit, RequestsResetTime };

    [Fact]
    public async Task EachDataPointHasTheValueTheScriptedTurnsMakeIt()
    {
        var now = DateTimeOffset.UtcNow;
        var primaryReset = now.AddHours(2).ToUnixTimeSeconds();
        var secondaryReset = now.AddDays(3).ToUnixTimeSeconds();
        MockRateLimits Limits(double primary, double secondary) => new(primary, 300, primaryReset, secondary, 10080, secondaryReset);

        var mock = MockModelServer.Start(new[]
        {
            // Turn A: two model requests, a command (with an approval that waits) between them.
            new MockResponse { Kind = MockResponseKind.ExecCommand, Command = "echo metrics > metrics.txt", Delay = TimeSpan.FromMilliseconds(300), Usage = new MockUsage(1000, 40), RateLimits = Limits(40, 10) },
            new MockResponse { Kind = MockResponseKind.Text, Text = "The command printed metrics.", Deltas = 4, DeltaDelay = TimeSpan.FromMilliseconds(50), Delay = TimeSpan.FromMilliseconds(200), Usage = new MockUsage(1100, 60), RateLimits = Limits(45, 11) },

            // Turn B: a server error the runtime retries, then the answer.
            new MockResponse { Kind = MockResponseKind.HttpError, StatusCode = 500, Delay = TimeSpan.FromMilliseconds(100) },
            new MockResponse { Kind = MockResponseKind.Text, Text = "recovered", Delay = TimeSpan.FromMilliseconds(250), Usage = new MockUsage(1300, 20), RateLimits = Limits(50, 12) },

            // Turn C: the error again, retried and failing again: the turn fails.
            MockResponse.FromError(500),
            MockResponse.FromError(500),

            // Turn D: an answer with the primary window at 85 %.
            new MockResponse { Kind = MockResponseKind.Text, Text = "back", Usage = new MockUsage(1500, 30), RateLimits = Limits(85, 13) },
        });
        var metrics = new CodexMetricsCollector();
        var options = new CodexClientOptions
        {
            CodexHome = TestRuntime.NewTempDirectory("codexps-home"),
            ModelProvider = mock.Provider,
            WorkingDirectory = TestRuntime.NewTempDirectory("codexps-ws"),
            Metrics = metrics,

            // The runtime reports a retry only at the stream level; retries inside a request are silent.
            Config = new Hashtable
            {
                ["model_providers.codexps_mock.request_max_retries"] = 0,
                ["model_providers.codexps_mock.stream_max_retries"] = 1,
            },
        };
        options.SearchRoots.Add(TestRuntime.RepoRoot);
        var client = await CodexClient.StartAsync(options, CancellationToken.None);
        try
        {
            var conversation = await client.StartConversationAsync(new CodexConversationOptions
            {
                ApprovalPolicy = CodexApprovalPolicy.Untrusted,
                Sandbox = CodexSandbox.WorkspaceWrite,
                ApprovalHandler = async (_, token) =>
                {
                    await Task.Delay(700, token);
                    return CodexApprovalDecision.Accept;
                },
            }, CancellationToken.None);

            var turns = new List<(List<CodexEvent> Events, double WallMs)>();
            foreach (var prompt in new[] { "run it", "again", "fail", "back" })
            {
                var watch = Stopwatch.StartNew();
                var turn = await conversation.StartTurnAsync(prompt, null, CancellationToken.None);
                var events = await TestRuntime.CollectAsync(turn);
                turns.Add((events, watch.Elapsed.TotalMilliseconds));
            }

            var ends = turns.Select(t => (TurnCompletedEvent)t.Events[^1]).ToArray();
            Assert.Equal(new[] { CodexTurnStatus.Completed, CodexTurnStatus.Completed, CodexTurnStatus.Failed, CodexTurnStatus.Completed }, ends.Select(e => e.Status));
            Assert.Equal("internalServerError", ends[2].Error?.CodexErrorInfo);
            Assert.Equal(7, mock.Requests.Count(r => r.Path.EndsWith("/responses", StringComparison.Ordinal)));

            // The collector turns signals into points on its own task: every signal of these turns first.
            await metrics.FlushAsync(CancellationToken.None);
            var points = metrics.Snapshot();
            IReadOnlyList<CodexMetricPoint> All(string name) => points.Where(p => p.Name == name).ToList();
            double[] Values(string name) => All(name).Select(p => p.Value!.Value).ToArray();
            double Last(string name) => All(name)[^1].Value!.Value;
            static double Ms(DateTimeOffset from, DateTimeOffset to) => (to - from).TotalMilliseconds;
            var all = turns.SelectMany(t => t.Events).ToList();
            var reports = all.OfType<TokenUsageEvent>().ToArray();
            var window = reports[0].ModelContextWindow!.Value;

            // Rate limits (12). Thread totals after each completed request: 1040, +1160, +1320, +1530.
            Assert.Equal(new double[] { 1040, 2200, 3520, 5050 }, Values(TokensTotal));
            Assert.Equal(new double[] { 1000, 2100, 3400, 4900 }, Values(TokensInput));
            Assert.Equal(new double[] { 40, 100, 120, 150 }, Values(TokensOutput));
            Assert.Equal(Enumerable.Repeat((double)window, 4), Values(TokensLimit));
            Assert.Equal(Values(TokensLimit), Values(ContextWindowTokens));
            Assert.Equal(new double[] { window - 1040, window - 1160, window - 1320, window - 1530 }, Values(TokensRemaining));
            Assert.Equal(Values(TokensRemaining), Values(ContextWindowRemaining));
            Assert.All(Values(TokensResetTime), v => Assert.InRange(v, 7200 - 120, 7200));
            Assert.All(Values(SecondaryResetTime), v => Assert.InRange(v, (3 * 86400) - 120, 3 * 86400));

            // Seven model requests: A1, A2 completed; B1 failed (retried), B2 completed; C1 failed (retried), C2 failed
            // (the turn's end); D1 completed.
            Assert.Equal(new double[] { 1, 2, 3, 4, 5, 6, 7 }, Values(RequestsTotal));
            Assert.Equal(new double[] { 1, 2, 3, 4 }, Values(TurnsTotal));
            Assert.Equal(new double[] { 40, 45, 50, 85 }, Values(QuotaUsagePercent));
            Assert.Equal(new double[] { 10, 11, 12, 13 }, Values(SecondaryUsedPercent));
            Assert.Equal(new double[] { 0, 0, 0, 1 }, Values(RateLimitStatus));
            foreach (var name in NoSignal)
            {
                Assert.Equal(4, All(name).Count);
                Assert.All(All(name), p => Assert.Null(p.Value));
                Assert.All(All(name), p => Assert.Equal(p.Definition.NullReason, p.NullReason));
            }

            // Token usage (10).
            Assert.Equal(new double[] { 2100, 1300, 1500 }, Values(InputTokensCurrent));
            Assert.Equal(new double[] { 100, 20, 30 }, Values(OutputTokensCurrent));
            Assert.Equal(new double[] { 2200, 1320, 1530 }, Values(TotalTokensCurrent));
            Assert.Equal(new double[] { 2100, 3400, 4900 }, Values(InputTokensCumulative));
            Assert.Equal(new double[] { 100, 120, 150 }, Values(OutputTokensCumulative));
            Assert.Equal(new double[] { 2200, 3520, 5050 }, Values(TotalTokensCumulative));
            Assert.Equal(new[] { 2200 / 2.0, 3520 / 3.0, 5050 / 4.0 }, Values(TokensPerRequestAvg), Tolerance);
            Assert.Equal(new[] { 100 / 2100.0, 20 / 1300.0, 30 / 1500.0 }, Values(TokenEfficiencyRatio), Tolerance);
            Assert.Equal(new[] { -880.0, -335.0 }, Values(TokenUsageTrend), Tolerance);

            // Performance (10). Each model request: from its start (the turn's start, the previous request's end or a
            // retried error) to its end, less the command's run and the approval's wait.
            var started = all.OfType<TurnStartedEvent>().ToArray();
            var retried = all.OfType<ErrorEvent>().Where(e => e.WillRetry).ToArray();
            Assert.Equal(2, retried.Length);
            var command = all.OfType<ItemEvent>().Where(e => e.Item.ProtocolType == "commandExecution").ToArray();
            var asked = all.OfType<ApprovalRequestedEvent>().Single();
            var resolved = all.Single(e => e.Kind == CodexEventKind.ApprovalResolved);
            var outside = UnionMs((command[0].Timestamp, command[^1].Timestamp), (asked.Timestamp, resolved.Timestamp));
            Assert.True(outside >= 700, "the approval waited 700 ms");
            var expectedRequests = new[]
            {
                Ms(started[0].Timestamp, reports[0].Timestamp) - outside,
                Ms(reports[0].Timestamp, reports[1].Timestamp),
                Ms(retried[0].Timestamp, reports[2].Timestamp),
                Ms(started[3].Timestamp, reports[3].Timestamp),
            };
            Assert.Equal(expectedRequests, Values(ApiRequestDuration), Tolerance);
            Assert.InRange(Values(ApiRequestDuration)[0], 300, 300 + 3000);
            Assert.InRange(Values(ApiRequestDuration)[1], 200 + (3 * 50), 350 + 3000);
            Assert.InRange(Values(ApiRequestDuration)[2], 250, 250 + 3000);
            Assert.Equal(ends.Select(e => e.Duration!.Value.TotalMilliseconds), Values(TurnDuration));

            var processing = Values(ProcessingTime);
            Assert.Equal(4, processing.Length);
            for (var i = 0; i < 4; i++)
            {
                Assert.InRange(processing[i], ends[i].Duration!.Value.TotalMilliseconds - 5, turns[i].WallMs);
                Assert.InRange(Values(ConnectionLatency)[i], 0.001, processing[i]);
                Assert.InRange(Values(TurnStartLatency)[i], 0.001, processing[i]);
            }

            var sorted = processing.Order().ToArray();
            Assert.Equal(sorted[1], Last(ResponseTimeP50));
            Assert.Equal(sorted[3], Last(ResponseTimeP95));
            Assert.All(Values(RequestQueueSize), v => Assert.InRange(v, 0, 1));
            Assert.Equal(0, Last(RequestQueueSize));

            var firstTurnAt = All(TurnsTotal)[0].Timestamp;
            double Throughput(IReadOnlyList<CodexMetricPoint> ended, DateTimeOffset at) =>
                ended.Count(p => p.Timestamp <= at && at - p.Timestamp <= TimeSpan.FromSeconds(60)) / Math.Clamp((at - firstTurnAt).TotalSeconds, 1, 60);
            Assert.Equal(All(RequestsTotal).Select(p => Throughput(All(RequestsTotal), p.Timestamp)), Values(ThroughputRequestsPerSec), Tolerance);
            Assert.Equal(All(TurnsTotal).Count, All(ThroughputTurnsPerSec).Count);
            Assert.Equal(All(ThroughputTurnsPerSec).Select(p => Throughput(All(ThroughputTurnsPerSec), p.Timestamp)), Values(ThroughputTurnsPerSec), Tolerance);

            var deltas = turns.Select(t => t.Events.OfType<DeltaEvent>().FirstOrDefault(d => d.Kind == CodexEventKind.AgentMessageDelta)).ToArray();
            var answered = new[] { 0, 1, 3 };
            Assert.Equal(answered.Select(i => Ms(started[i].Timestamp, deltas[i]!.Timestamp)), Values(TimeToFirstToken), Tolerance);
            Assert.Equal(
                answered.Select(i => Values(OutputTokensCurrent)[Array.IndexOf(answered, i)] / (ends[i].Timestamp - deltas[i]!.Timestamp).TotalSeconds),
                Values(TokensPerSecond),
                Tolerance);
            Assert.Equal(new[] { Ms(ends[2].Timestamp, ends[3].Timestamp) }, Values(ErrorRecoveryTime), Tolerance);

            // System health (10), sampled from the runtime process.
            var process = Process.GetProcessById(client.ProcessId!.Value);
            Assert.InRange(Last(MemoryUsage), process.WorkingSet64 * 0.7, process.WorkingSet64 * 1.3);
            var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            foreach (var memory in All(MemoryUtilization))
            {
                var sample = All(MemoryUsage).Single(p => p.Timestamp == memory.Timestamp);
                Assert.Equal(100.0 * sample.Value!.Value / available, memory.Value!.Value, 6);
            }

            Assert.NotEmpty(All(CpuUsage));
            Assert.All(Values(CpuUsage), v => Assert.InRange(v, 0, 100));
            Assert.Equal(All(CpuUsage).Count, All(ResourceUtilization).Count);
            foreach (var resource in All(ResourceUtilization))
            {
                var cpu = All(CpuUsage).Single(p => p.Timestamp == resource.Timestamp).Value!.Value;
                var memory = All(MemoryUtilization).Single(p => p.Timestamp == resource.Timestamp).Value!.Value;
                Assert.Equal(Math.Max(cpu, memory), resource.Value!.Value);
            }

            Assert.All(Values(ConnectionStatus), v => Assert.Equal(1, v));
            Assert.All(Values(ActiveConnections), v => Assert.Equal(1, v));
            Assert.All(All(Uptime), p => Assert.Equal((p.Timestamp - client.StartedAt).TotalSeconds, p.Value!.Value, 6));
            Assert.All(Values(RuntimeAvailability), v => Assert.Equal(100, v));
            Assert.Equal(new[] { 0, 0, 100 / 3.0, 25 }, Values(ErrorRate), Tolerance);
            Assert.Equal(new[] { 100, 50, 100 / 3.0, 50 }, Values(NetworkStability), Tolerance);

            // Answered ÷ made, request by request: the failures are B1, C1 and C2.
            Assert.Equal(new[] { 100, 100, 200 / 3.0, 75, 60, 50, 400 / 7.0 }, Values(ServiceAvailability), Tolerance);

            // The score's formula: the mean of service 400/7, runtime 100, 100 − error rate 25, network 50, 100 − quota 85.
            Assert.Equal(((400 / 7.0) + 100 + 75 + 50 + 15) / 5, Last(SystemHealthScore), 9);

            var item = command.Single(e => e.Kind == CodexEventKind.ItemCompleted);
            var itemStart = command.Single(e => e.Kind == CodexEventKind.ItemStarted);
            Assert.Contains(All(ItemDuration), p => p.Label == "CommandExecution" && Math.Abs(p.Value!.Value - Ms(itemStart.Timestamp, item.Timestamp)) < Tight);
            Assert.Equal(new[] { 1.0 }, All(ErrorsTotal).Select(p => p.Value!.Value));
            Assert.Equal("internalServerError", All(ErrorsTotal).Single().Label);

            // Every data point with a signal was checked above; only the four without one are null.
            Assert.All(SeedPoints, d => Assert.NotEmpty(All(d.Name)));
            Assert.All(points.Where(p => p.Value is null), p => Assert.Contains(p.Name, NoSignal));
            Assert.Equal(0, metrics.DroppedSignals);
        }
        finally
        {
            await client.DisposeAsync();
            await metrics.DisposeAsync();
            await mock.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("internalServerError", null, "Failed")]
    [InlineData("serverOverloaded", null, "Failed")]
    [InlineData("other", null, "Failed")]
    [InlineData("responseStreamDisconnected", null, "Failed")]
    [InlineData("httpConnectionFailed", 502, "Failed")]
    [InlineData("httpConnectionFailed", 401, "Refused")]
    [InlineData("responseTooManyFailedAttempts", 429, "Refused")]
    [InlineData("usageLimitExceeded", null, "Refused")]
    [InlineData("contextWindowExceeded", null, "Refused")]
    [InlineData("badRequest", null, "Refused")]
    [InlineData("sandboxError", null, null)]
    [InlineData("sessionBudgetExceeded", null, null)]
    [InlineData("runtimeExited", null, null)]
    [InlineData(null, null, null)]
    public void AnErrorIsAModelRequestTheEndpointFailedRefusedOrNone(string? codexErrorInfo, int? status, string? outcome)
    {
        Assert.Equal(outcome, ModelRequests.Classify(codexErrorInfo, status)?.ToString());
    }

    [Fact]
    public async Task AReportRepeatedAfterABrokenStreamIsNoModelRequest()
    {
        var mock = MockModelServer.Start(new[]
        {
            new MockResponse { Kind = MockResponseKind.Text, Text = "first", Usage = new MockUsage(1000, 10) },
            MockResponse.Disconnect("part of an answer"),
            new MockResponse { Kind = MockResponseKind.Text, Text = "second", Usage = new MockUsage(1200, 20) },
        });
        var metrics = new CodexMetricsCollector();
        var options = new CodexClientOptions
        {
            CodexHome = TestRuntime.NewTempDirectory("codexps-home"),
            ModelProvider = mock.Provider,
            WorkingDirectory = TestRuntime.NewTempDirectory("codexps-ws"),
            Metrics = metrics,
            Config = new Hashtable { ["model_providers.codexps_mock.stream_max_retries"] = 1 },
        };
        options.SearchRoots.Add(TestRuntime.RepoRoot);
        var client = await CodexClient.StartAsync(options, CancellationToken.None);
        try
        {
            var conversation = await client.StartConversationAsync(new CodexConversationOptions(), CancellationToken.None);
            var events = new List<CodexEvent>();
            foreach (var prompt in new[] { "one", "two" })
            {
                events.AddRange(await TestRuntime.CollectAsync(await conversation.StartTurnAsync(prompt, null, CancellationToken.None)));
            }

            // The runtime repeats the thread's last report when the stream breaks, before it retries.
            var reports = events.OfType<TokenUsageEvent>().Select(r => r.Total!.TotalTokens).ToArray();
            Assert.Equal(new long[] { 1010, 1010, 2230 }, reports);
            Assert.Single(events.OfType<ErrorEvent>(), e => e.WillRetry);

            // The collector turns signals into points on its own task: every signal of these turns first.
            await metrics.FlushAsync(CancellationToken.None);
            var points = metrics.Snapshot();
            double[] Values(string name) => points.Where(p => p.Name == name).Select(p => p.Value!.Value).ToArray();
            Assert.Equal(new double[] { 1000, 1200 }, Values(InputTokensCurrent));
            Assert.Equal(new double[] { 1010, 1220 }, Values(TotalTokensCurrent));
            Assert.Equal(new double[] { 1, 2, 3 }, Values(RequestsTotal));
            Assert.Equal(new[] { 100, 50, 200 / 3.0 }, Values(ServiceAvailability), Tolerance);
            Assert.Equal(new[] { 2230 / 2.0 }, Values(TokensPerRequestAvg).Skip(1), Tolerance);
        }
        finally
        {
            await client.DisposeAsync();
            await metrics.DisposeAsync();
            await mock.DisposeAsync();
        }
    }

    private static readonly IEqualityComparer<double> Tolerance = new WithinComparer(1e-6);

    /// <summary>The milliseconds two intervals cover together.</summary>
    private static double UnionMs((DateTimeOffset From, DateTimeOffset To) a, (DateTimeOffset From, DateTimeOffset To) b)
    {
        if (a.From > b.From)
        {
            (a, b) = (b, a);
        }

        return b.From <= a.To
            ? ((b.To > a.To ? b.To : a.To) - a.From).TotalMilliseconds
            : (a.To - a.From).TotalMilliseconds + (b.To - b.From).TotalMilliseconds;
    }

    private sealed class WithinComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Max(Math.Abs(x), Math.Abs(y)));

        public int GetHashCode(double obj) => 0;
    }
}
