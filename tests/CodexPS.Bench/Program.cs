// The streaming benchmark's C# side. One process = one mode = one measured turn:
//   bare    a bare client: spawns the real runtime itself and reads stdout with a plain StreamReader.ReadLine loop
//           (the baseline: the runtime's own speed plus the cheapest possible reader);
//   engine  the same turn through CodexClient / CodexConversation / CodexTurn.ReadEventsAsync (IncludeDeltas).
// Each mode starts a fresh runtime against the mock endpoint at --base-url (Invoke-Bench.ps1 hosts it in its own
// process and queues each case's script, so the CPU this process uses is the client's alone), or against a mock of
// its own when no --base-url is given; runs warm-up turns (so process start and first-turn costs are excluded;
// tier-up of the hot path by the JIT still happens during the measured turn), then times only the measured turn:
// from sending turn/start to receiving turn/completed. It prints one JSON line
// {"mode","deltas","ms","count","deltaCount","turnDurationMs","clientCpuMs","runtimeCpuMs"} and exits 1 on any
// failure, including a delta count other than --deltas. CODEXPS_BENCH_WINDOW=1 also prints the measured turn's
// CLOCK_MONOTONIC window to stderr, for `perf record -k CLOCK_MONOTONIC` + `perf report --time`.
// concurrent-bare (B4's floor) drives N conversations of one runtime at once against one alone with the same bare
// reader, against the endpoint at --base-url, and prints {"mode","aloneMs","atOnceMs","atOnceRuntimeCpuMs",...}.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Mock;
using CodexPS.Engine.Protocol;
using CodexPS.Engine.Runtime;

namespace CodexPS.Bench;

internal static class Program
{
    private const string Usage = "usage: CodexPS.Bench bare|engine [--base-url URL] [--deltas N] [--warmup N] [--warmup-turns N]"
        + " | CodexPS.Bench concurrent-bare --base-url URL [--conversations N] [--deltas N] [--rounds N]";

    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var mode = args[0];
        var deltas = 20000;
        var warmup = 10;
        var warmupTurns = 1;
        string? baseUrl = null;
        int conversations = 16, rounds = 3;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--deltas" when i + 1 < args.Length:
                    deltas = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--warmup" when i + 1 < args.Length:
                    warmup = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--warmup-turns" when i + 1 < args.Length:
                    warmupTurns = Math.Max(1, int.Parse(args[++i], CultureInfo.InvariantCulture));
                    break;
                case "--base-url" when i + 1 < args.Length:
                    baseUrl = args[++i];
                    break;
                case "--conversations" when i + 1 < args.Length:
                    conversations = Math.Max(1, int.Parse(args[++i], CultureInfo.InvariantCulture));
                    break;
                case "--rounds" when i + 1 < args.Length:
                    rounds = Math.Max(1, int.Parse(args[++i], CultureInfo.InvariantCulture));
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'; {Usage}");
                    return 2;
            }
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(mode == "concurrent-bare" ? 10 : 2));
        if (mode == "concurrent-bare")
        {
            try
            {
                if (baseUrl is null)
                {
                    throw new ArgumentException($"concurrent-bare needs --base-url; {Usage}");
                }

                Console.WriteLine(await BareConcurrent.RunAsync(baseUrl, conversations, deltas, rounds, timeout.Token).ConfigureAwait(false));
                return 0;
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"BENCH FAILED ({mode}): {ex}");
                return 1;
            }
        }

        try
        {
            var result = mode switch
            {
                "bare" => await BareClient.RunAsync(deltas, warmup, warmupTurns, baseUrl, timeout.Token).ConfigureAwait(false),
                "engine" => await RunEngineAsync(deltas, warmup, warmupTurns, baseUrl, timeout.Token).ConfigureAwait(false),
                _ => throw new ArgumentException($"unknown mode '{mode}'; {Usage}"),
            };

            if (Environment.GetEnvironmentVariable("CODEXPS_BENCH_WINDOW") == "1")
            {
                // For `perf report --time`: the measured turn's CLOCK_MONOTONIC window (Stopwatch ticks are ns on Linux).
                Console.Error.WriteLine($"window {(result.EndTimestamp - result.Elapsed.Ticks * (Stopwatch.Frequency / TimeSpan.TicksPerSecond)) / 1e9:F6},{result.EndTimestamp / 1e9:F6}");
            }

            if (result.DeltaCount != deltas)
            {
                throw new InvalidOperationException($"{mode}: received {result.DeltaCount} deltas, expected {deltas}.");
            }

            Console.WriteLine(JsonSerializer.Serialize(new JsonObject
            {
                ["mode"] = mode,
                ["deltas"] = deltas,
                ["ms"] = Math.Round(result.Elapsed.TotalMilliseconds, 1),
                ["count"] = result.Count,
                ["deltaCount"] = result.DeltaCount,
                ["turnDurationMs"] = result.TurnDurationMs,
                ["clientCpuMs"] = result.ClientCpuMs,
                ["runtimeCpuMs"] = result.RuntimeCpuMs,
                ["jitMethods"] = result.JitMethods,
                ["jitMs"] = result.JitMs,
            }));
            return 0;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"BENCH FAILED ({mode}): {ex}");
            return 1;
        }
    }

    /// <summary>Every case starts its measured turn with the garbage of its warm-up collected.</summary>
    internal static void FullCollect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>The mock's script: the warm-up turns, then the measured one.</summary>
    internal static MockResponse[] Script(int deltas, int warmup, int warmupTurns) =>
        Enumerable.Repeat(0, warmupTurns).Select(_ => MockResponse.Repeated("x", warmup)).Append(MockResponse.Repeated("x", deltas)).ToArray();

    /// <summary>The mock endpoint at this URL as a provider, the way Start-CodexMockProvider's server describes itself.</summary>
    internal static CodexModelProvider MockProvider(string baseUrl) =>
        new("codexps_mock", "CodexPS mock", baseUrl.TrimEnd('/')) { DefaultModel = MockModelServer.DefaultModel, MaxRetries = 0 };

    /// <summary>The measured turn through the engine: CodexClient → CodexConversation → CodexTurn.ReadEventsAsync.</summary>
    private static async Task<Measurement> RunEngineAsync(int deltas, int warmup, int warmupTurns, string? baseUrl, CancellationToken cancellationToken)
    {
        using var dirs = new TempDirs();
        await using var mock = baseUrl is null ? MockModelServer.Start(Script(deltas, warmup, warmupTurns)) : null;

        // Metrics are collected as the module collects them (into a store), so the figures include their cost;
        // CODEXPS_BENCH_NO_METRICS=1 leaves them out, to measure what they cost.
        var withMetrics = Environment.GetEnvironmentVariable("CODEXPS_BENCH_NO_METRICS") != "1";
        await using var metrics = new CodexPS.Engine.Metrics.CodexMetricsCollector(new() { StorePath = Path.Combine(dirs.Home, "metrics.db") });
        var options = new CodexClientOptions
        {
            ModelProvider = mock?.Provider ?? MockProvider(baseUrl!),
            CodexHome = dirs.Home,
            WorkingDirectory = dirs.Workspace,
            Metrics = withMetrics ? metrics : null,
        };
        options.SearchRoots.Add(AppContext.BaseDirectory);
        await using var client = await CodexClient.StartAsync(options, cancellationToken).ConfigureAwait(false);
        var conversation = await client.StartConversationAsync(new CodexConversationOptions { WorkingDirectory = dirs.Workspace }, cancellationToken)
            .ConfigureAwait(false);

        for (var w = 0; w < warmupTurns; w++)
        {
            var warm = await EngineTurnAsync(conversation, "warm up", cancellationToken).ConfigureAwait(false);
            if (warm.DeltaCount != warmup)
            {
                throw new InvalidOperationException($"engine warm-up: received {warm.DeltaCount} deltas, expected {warmup}.");
            }

            while (conversation.ActiveTurn is not null)
            {
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }
        }

        // CodexTurn completes its event channel before it clears the conversation's active turn, so a turn started
        // the instant the previous one's events end can be refused (CodexTurnInProgress). Wait for it (not timed).
        var wait = Stopwatch.StartNew();
        while (conversation.ActiveTurn is not null)
        {
            if (wait.Elapsed > TimeSpan.FromSeconds(5))
            {
                throw new InvalidOperationException("engine: the warm-up turn stayed active after turn/completed.");
            }

            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }

        FullCollect();
        var cpu = CpuSample.Take(client.ProcessId);
        var measured = await EngineTurnAsync(conversation, "go", cancellationToken).ConfigureAwait(false);
        var recorded = await metrics.QueryAsync(new() { NameFilter = n => n == CodexPS.Engine.Metrics.CodexMetricCatalog.TokensPerSecond }, cancellationToken).ConfigureAwait(false);
        if (withMetrics && (recorded.Points.Count != warmupTurns + 1 || metrics.DroppedSignals != 0))
        {
            throw new InvalidOperationException($"engine: the metric collector recorded {recorded.Points.Count} turns (dropped {metrics.DroppedSignals} signals), expected {warmupTurns + 1}.");
        }
        return cpu.Annotate(measured, client.ProcessId);
    }

    private static async Task<Measurement> EngineTurnAsync(CodexConversation conversation, string prompt, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var turn = await conversation.StartTurnAsync(prompt, new CodexTurnOptions { IncludeDeltas = true }, cancellationToken).ConfigureAwait(false);
        int count = 0, deltaCount = 0;
        TurnCompletedEvent? completed = null;
        await foreach (var evt in turn.ReadEventsAsync(cancellationToken).ConfigureAwait(false))
        {
            count++;
            if (evt.Kind == CodexEventKind.AgentMessageDelta)
            {
                deltaCount++;
            }
            else if (evt is TurnCompletedEvent done)
            {
                stopwatch.Stop();
                completed = done;
            }
        }

        if (completed is null || completed.Status != CodexTurnStatus.Completed)
        {
            throw new InvalidOperationException($"engine: the turn ended {completed?.Summary ?? "without turn/completed"}.");
        }

        return new Measurement(stopwatch.Elapsed, count, deltaCount, (long?)completed.Duration?.TotalMilliseconds);
    }
}

internal sealed record Measurement(TimeSpan Elapsed, int Count, int DeltaCount, long? TurnDurationMs)
{
    /// <summary>Stopwatch.GetTimestamp() when the measured turn ended.</summary>
    public long EndTimestamp { get; init; } = Stopwatch.GetTimestamp();

    /// <summary>CPU this process used during the measured turn (with --base-url, the client's alone; else with its mock's).</summary>
    public double? ClientCpuMs { get; init; }

    /// <summary>CPU the runtime process used during the measured turn.</summary>
    public double? RuntimeCpuMs { get; init; }

    /// <summary>Methods the JIT compiled in this process during the measured turn (a turn still warming up shows here).</summary>
    public long? JitMethods { get; init; }

    /// <summary>Time this process spent JIT-compiling during the measured turn, in milliseconds.</summary>
    public double? JitMs { get; init; }
}

/// <summary>CPU time of this process and of the runtime, to tell a client that costs CPU from one that waits.</summary>
internal readonly record struct CpuSample(TimeSpan Client, TimeSpan? Runtime, long JitMethods, TimeSpan JitTime)
{
    public static CpuSample Take(int? runtimePid)
    {
        TimeSpan? runtime = null;
        if (runtimePid is { } pid)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                runtime = process.TotalProcessorTime;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already.
            }
        }

        using var self = Process.GetCurrentProcess();
        return new CpuSample(self.TotalProcessorTime, runtime, System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
    }

    public Measurement Annotate(Measurement measurement, int? runtimePid)
    {
        var now = Take(runtimePid);
        return measurement with
        {
            ClientCpuMs = Math.Round((now.Client - Client).TotalMilliseconds),
            RuntimeCpuMs = now.Runtime is { } r && Runtime is { } r0 ? Math.Round((r - r0).TotalMilliseconds) : null,
            JitMethods = now.JitMethods - JitMethods,
            JitMs = Math.Round((now.JitTime - JitTime).TotalMilliseconds),
        };
    }
}

/// <summary>A fresh CODEX_HOME and workspace, removed afterwards.</summary>
internal sealed class TempDirs : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "codexps-bench-" + Guid.NewGuid().ToString("N")[..8]);

    public TempDirs()
    {
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(Workspace);
    }

    public string Home => Path.Combine(_root, "home");

    public string Workspace => Path.Combine(_root, "ws");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort; the runtime may still hold a file for a moment.
        }
        catch (UnauthorizedAccessException)
        {
            // Best effort.
        }
    }
}

/// <summary>
/// The baseline: starts the runtime through CodexRuntimeProcess, as the engine does (same arguments, environment,
/// provider overrides and pipes), and speaks to it with WriteLine/ReadLine, nothing else.
/// </summary>
internal static class BareClient
{
    private const string DeltaMethod = "\"item/agentMessage/delta\"";
    private const string CompletedMethod = "\"turn/completed\"";

    public static async Task<Measurement> RunAsync(int deltas, int warmup, int warmupTurns, string? baseUrl, CancellationToken cancellationToken)
    {
        using var dirs = new TempDirs();
        await using var mock = baseUrl is null ? MockModelServer.Start(Program.Script(deltas, warmup, warmupTurns)) : null;
        var provider = mock?.Provider ?? Program.MockProvider(baseUrl!);
        await using var runtime = StartRuntime(dirs, provider);
        using var killOnTimeout = cancellationToken.Register(runtime.Kill);
        using var stdin = Writer(runtime);
        using var stdout = Reader(runtime);
        try
        {
            Send(stdin, 1, "initialize", new JsonObject
            {
                ["clientInfo"] = new JsonObject { ["name"] = "codexps-bench", ["title"] = "CodexPS bench", ["version"] = "0.0.0" },
                ["capabilities"] = new JsonObject { ["experimentalApi"] = false },
            });
            WaitForResponse(stdout, 1);
            stdin.WriteLine("{\"method\":\"initialized\"}");
            stdin.Flush();

            Send(stdin, 2, "thread/start", new JsonObject { ["model"] = provider.DefaultModel, ["cwd"] = dirs.Workspace });
            var threadId = WaitForResponse(stdout, 2).GetProperty("thread").GetProperty("id").GetString()
                ?? throw new InvalidOperationException("thread/start answered without a thread id.");

            var id = 3;
            for (var w = 0; w < warmupTurns; w++)
            {
                var warm = Turn(stdin, stdout, id++, threadId, "warm up");
                if (warm.DeltaCount != warmup)
                {
                    throw new InvalidOperationException($"bare warm-up: received {warm.DeltaCount} deltas, expected {warmup}.");
                }
            }

            Program.FullCollect();
            var cpu = CpuSample.Take(runtime.Id);
            var measured = Turn(stdin, stdout, id, threadId, "go");
            return cpu.Annotate(measured, runtime.Id);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException("bare client failed; runtime stderr:" + Environment.NewLine + runtime.StderrTail(60), ex);
        }
    }

    /// <summary>How the bare readers start the pinned runtime: app-server on the mock provider, in a temporary home.</summary>
    internal static CodexRuntimeProcess StartRuntime(TempDirs dirs, CodexModelProvider provider)
    {
        var location = CodexRuntimeLocator.Locate(null, new[] { AppContext.BaseDirectory });
        var overrides = ProviderOverrides(provider).Select(o => new KeyValuePair<string, string>(o.Key, o.Value)).ToList();
        return CodexRuntimeProcess.Start(location.Path, dirs.Home, dirs.Workspace, overrides);
    }

    internal static StreamWriter Writer(CodexRuntimeProcess runtime) => new(runtime.StandardInput, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };

    internal static StreamReader Reader(CodexRuntimeProcess runtime) => new(runtime.StandardOutput, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);

    /// <summary>One turn: turn/start, then ReadLine until turn/completed, counting lines and delta lines.</summary>
    private static Measurement Turn(StreamWriter stdin, StreamReader stdout, int id, string threadId, string prompt)
    {
        var parameters = new JsonObject
        {
            ["threadId"] = threadId,
            ["input"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = prompt }),
        };
        var request = Request(id, "turn/start", parameters);

        var stopwatch = Stopwatch.StartNew();
        stdin.WriteLine(request);
        stdin.Flush();
        int count = 0, deltaCount = 0;
        string? completed = null;
        while (stdout.ReadLine() is { } line)
        {
            count++;
            if (line.Contains(DeltaMethod, StringComparison.Ordinal))
            {
                deltaCount++;
            }
            else if (line.Contains(CompletedMethod, StringComparison.Ordinal))
            {
                stopwatch.Stop();
                completed = line;
                break;
            }
        }

        if (completed is null)
        {
            throw new IOException("the runtime's output ended before turn/completed.");
        }

        using var document = JsonDocument.Parse(completed);
        var turn = document.RootElement.GetProperty("params").GetProperty("turn");
        var status = turn.GetProperty("status").GetString();
        if (status != "completed")
        {
            throw new InvalidOperationException($"bare: the turn ended '{status}': {completed}");
        }

        long? duration = turn.TryGetProperty("durationMs", out var d) && d.TryGetInt64(out var ms) ? ms : null;
        return new Measurement(stopwatch.Elapsed, count, deltaCount, duration);
    }

    internal static string Request(int id, string method, JsonObject parameters) =>
        new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters }.ToJsonString();

    internal static void Send(StreamWriter stdin, int id, string method, JsonObject parameters)
    {
        stdin.WriteLine(Request(id, method, parameters));
        stdin.Flush();
    }

    /// <summary>Reads (and skips notifications) until the response with this id; returns its result.</summary>
    internal static JsonElement WaitForResponse(StreamReader stdout, int id)
    {
        while (stdout.ReadLine() is { } line)
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.TryGetProperty("method", out _) || !root.TryGetProperty("id", out var idElement)
                || idElement.ValueKind != JsonValueKind.Number || idElement.GetInt32() != id)
            {
                continue;
            }

            if (root.TryGetProperty("error", out var error))
            {
                throw new InvalidOperationException($"request {id} failed: {error.GetRawText()}");
            }

            return root.GetProperty("result").Clone();
        }

        throw new IOException($"the runtime's output ended before the response to request {id}.");
    }

    /// <summary>The provider's -c overrides, built the way CodexClient.ProviderOverrides builds them.</summary>
    internal static IEnumerable<(string Key, string Value)> ProviderOverrides(CodexModelProvider provider)
    {
        var prefix = "model_providers." + provider.Id + ".";
        yield return ("model_provider", CodexConfigOverrides.ToToml(provider.Id));
        yield return (prefix + "name", CodexConfigOverrides.ToToml(provider.Name));
        yield return (prefix + "base_url", CodexConfigOverrides.ToToml(provider.BaseUrl));
        yield return (prefix + "wire_api", CodexConfigOverrides.ToToml("responses"));
        yield return (prefix + "request_max_retries", CodexConfigOverrides.ToToml(provider.MaxRetries ?? 0));
        yield return (prefix + "stream_max_retries", CodexConfigOverrides.ToToml(provider.MaxRetries ?? 0));
        yield return ("model", CodexConfigOverrides.ToToml(provider.DefaultModel ?? MockModelServer.DefaultModel));
    }
}

/// <summary>
/// B4's floor: the bare line reader of <see cref="BareClient"/> driving N conversations of one runtime at once
/// against one alone, against an endpoint given by URL (the mock Invoke-Bench.ps1 hosts). What the runtime itself
/// costs when N turns stream at once, with nothing of CodexPS in the way.
/// </summary>
internal static class BareConcurrent
{
    public static async Task<string> RunAsync(string baseUrl, int conversations, int deltas, int rounds, CancellationToken cancellationToken)
    {
        using var dirs = new TempDirs();
        var provider = Program.MockProvider(baseUrl);
        await using var runtime = BareClient.StartRuntime(dirs, provider);
        using var killOnTimeout = cancellationToken.Register(runtime.Kill);
        using var stdin = BareClient.Writer(runtime);
        using var stdout = BareClient.Reader(runtime);
        BareClient.Send(stdin, 1, "initialize", new JsonObject
        {
            ["clientInfo"] = new JsonObject { ["name"] = "codexps-bench", ["title"] = "CodexPS bench", ["version"] = "0.0.0" },
            ["capabilities"] = new JsonObject { ["experimentalApi"] = false },
        });
        BareClient.WaitForResponse(stdout, 1);
        stdin.WriteLine("{\"method\":\"initialized\"}");
        stdin.Flush();

        var id = 2;
        var threads = new List<string>();
        for (var i = 0; i < conversations; i++)
        {
            BareClient.Send(stdin, id, "thread/start", new JsonObject { ["model"] = provider.DefaultModel, ["cwd"] = dirs.Workspace });
            threads.Add(BareClient.WaitForResponse(stdout, id++).GetProperty("thread").GetProperty("id").GetString()
                ?? throw new InvalidOperationException("thread/start answered without a thread id."));
        }

        double Wave(IReadOnlyList<string> targets)
        {
            var stopwatch = Stopwatch.StartNew();
            foreach (var thread in targets)
            {
                var parameters = new JsonObject
                {
                    ["threadId"] = thread,
                    ["input"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "go" }),
                };
                stdin.WriteLine(BareClient.Request(id++, "turn/start", parameters));
            }

            stdin.Flush();
            int completed = 0, deltaCount = 0;
            while (completed < targets.Count && stdout.ReadLine() is { } line)
            {
                if (line.Contains("\"item/agentMessage/delta\"", StringComparison.Ordinal))
                {
                    deltaCount++;
                }
                else if (line.Contains("\"turn/completed\"", StringComparison.Ordinal))
                {
                    if (!line.Contains("\"status\":\"completed\"", StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException("concurrent-bare: a turn did not complete: " + line);
                    }

                    completed++;
                }
            }

            stopwatch.Stop();
            if (completed != targets.Count || deltaCount != targets.Count * deltas)
            {
                throw new InvalidOperationException($"concurrent-bare: {completed} of {targets.Count} turns completed with {deltaCount} deltas, expected {targets.Count * deltas}.");
            }

            return Math.Round(stopwatch.Elapsed.TotalMilliseconds, 1);
        }

        // Warm-up, not timed: one alone, then all at once.
        Wave(threads.Take(1).ToList());
        Wave(threads);
        var alone = new JsonArray();
        var atOnce = new JsonArray();
        var atOnceRuntimeCpu = new JsonArray();
        for (var round = 0; round < rounds; round++)
        {
            Program.FullCollect();
            alone.Add(Wave(new[] { threads[round % threads.Count] }));
            Program.FullCollect();
            var cpu = CpuSample.Take(runtime.Id);
            var ms = Wave(threads);
            var measured = cpu.Annotate(new Measurement(TimeSpan.Zero, 0, 0, null), runtime.Id);
            atOnce.Add(ms);
            atOnceRuntimeCpu.Add(measured.RuntimeCpuMs);
        }

        return JsonSerializer.Serialize(new JsonObject
        {
            ["mode"] = "concurrent-bare",
            ["conversations"] = conversations,
            ["deltas"] = deltas,
            ["aloneMs"] = alone,
            ["atOnceMs"] = atOnce,
            ["atOnceRuntimeCpuMs"] = atOnceRuntimeCpu,
        });
    }
}
