using System.Collections.Concurrent;
using System.Threading.Channels;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;
using static CodexPS.Engine.Metrics.CodexMetricCatalog;

namespace CodexPS.Engine.Metrics;

/// <summary>
/// Turns what the module's turns and runtimes report into the data points of <see cref="CodexMetricCatalog"/>.
/// Observers only post to a bounded channel (never waiting: a full channel drops and counts the signal);
/// one background task computes the points, keeps a bounded series per metric in memory and writes them to
/// the store. A store that is locked or broken is reported as a warning and never reaches a turn.
/// </summary>
public sealed class CodexMetricsCollector : IAsyncDisposable
{
    private const int RecentTurns = 20;
    private const int PercentileTurns = 100;
    private const int TrendTurns = 10;
    private const int MaxPendingStorePoints = 100_000;

    private readonly CodexMetricsOptions _options;
    private readonly Channel<MetricSignal> _signals;
    private readonly Task _drain;
    private readonly Task _sampler;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _warnings = new();
    private readonly object _seriesGate = new();
    private readonly Dictionary<string, Queue<CodexMetricPoint>> _series = new(StringComparer.Ordinal);

    // Owned by the background task only.
    private readonly List<CodexMetricPoint> _pendingStore = new();
    private readonly List<AttachedClient> _clients = new();
    private readonly Queue<TurnOutcome> _recent = new();
    private readonly Queue<double> _processing = new();
    private readonly Queue<double> _turnTotals = new();
    private readonly Queue<DateTimeOffset> _completions = new();
    private readonly Dictionary<string, long> _errorsByCategory = new(StringComparer.Ordinal);
    private CodexMetricStore? _store;
    private string? _storeProblemId;
    private long _inputCumulative;
    private long _outputCumulative;
    private long _totalCumulative;
    private long _turnsWithUsage;
    private long _turnsStarted;
    private DateTimeOffset? _failingSince;
    private DateTimeOffset? _firstTurnAt;
    private DateTimeOffset? _observedFrom;
    private DateTimeOffset? _downSince;
    private TimeSpan _downtime;
    private double? _primaryUsed;
    private double? _secondaryUsed;
    private long _dropped;
    private volatile CodexMetricStoreException? _storeProblem;

    public CodexMetricsCollector(CodexMetricsOptions? options = null)
    {
        _options = options ?? new CodexMetricsOptions();
        _signals = Channel.CreateBounded<MetricSignal>(
            new BoundedChannelOptions(65_536) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.DropWrite },
            _ => Interlocked.Increment(ref _dropped));
        StorePath = _options.StorePath is null ? null : Path.GetFullPath(_options.StorePath);
        if (StorePath is not null)
        {
            Post(new StoreSignal(StorePath, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));
        }

        _drain = Task.Run(DrainAsync);
        _sampler = Task.Run(SampleLoopAsync);
    }

    /// <summary>The store file in use (or being opened); null when points are kept in memory only.</summary>
    public string? StorePath { get; private set; }

    /// <summary>Why the store cannot be used right now; null while it works (or when there is none).</summary>
    public CodexMetricStoreException? StoreProblem => _storeProblem;

    /// <summary>Signals dropped because the channel was full (the collector never makes the event stream wait).</summary>
    public long DroppedSignals => Interlocked.Read(ref _dropped);

    public bool HasWarnings => !_warnings.IsEmpty;

    /// <summary>Warnings (store problems) raised since the last call, oldest first.</summary>
    public IReadOnlyList<string> DrainWarnings()
    {
        var list = new List<string>();
        while (_warnings.TryDequeue(out var warning))
        {
            list.Add(warning);
        }

        return list;
    }

    /// <summary>Switches to another store file (null: memory only); completes when it has been opened or found unusable.</summary>
    public Task UseStoreAsync(string? path)
    {
        var full = path is null ? null : Path.GetFullPath(path);
        StorePath = full;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_signals.Writer.TryWrite(new StoreSignal(full, done)))
        {
            done.TrySetResult();
        }

        return done.Task;
    }

    /// <summary>Starts observing a runtime connection: its process is sampled and its exit noticed.</summary>
    public void Attach(CodexClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        Post(new ClientSignal(DateTimeOffset.Now, client, attached: true));
        client.Exited += (_, _) => Post(new ClientSignal(DateTimeOffset.Now, client, attached: false));
    }

    /// <summary>Completes when every signal posted before the call has been turned into points and offered to the store.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_signals.Writer.TryWrite(new FlushSignal(done)))
        {
            return;
        }

        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The points that match, oldest first: from the store when it works (it spans sessions), else from memory.</summary>
    public async Task<CodexMetricQueryResult> QueryAsync(CodexMetricQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var store = _store;
        if (store is not null && _storeProblem is null)
        {
            try
            {
                // The store's connection belongs to the background task; a read opens its own.
                using var reader = CodexMetricStore.Open(store.Path, null);
                return new CodexMetricQueryResult(reader.Read(query), true, null);
            }
            catch (CodexMetricStoreException ex)
            {
                return new CodexMetricQueryResult(Snapshot(query), false, ex);
            }
        }

        return new CodexMetricQueryResult(Snapshot(query), false, _storeProblem);
    }

    /// <summary>The points kept in memory that match, oldest first.</summary>
    public IReadOnlyList<CodexMetricPoint> Snapshot(CodexMetricQuery? query = null)
    {
        var list = new List<CodexMetricPoint>();
        lock (_seriesGate)
        {
            foreach (var series in _series.Values)
            {
                foreach (var point in series)
                {
                    if (query is null || query.Matches(point))
                    {
                        list.Add(point);
                    }
                }
            }
        }

        list.Sort(static (a, b) => a.Timestamp.CompareTo(b.Timestamp));
        return list;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _signals.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_drain, _sampler).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            // Shutting down; what could not be written is lost with the process.
        }

        _store?.Dispose();
        _store = null;
        _stop.Dispose();
    }

    internal void Post(MetricSignal signal) => _signals.Writer.TryWrite(signal);

    /// <summary>A turn is about to be sent: counts it and returns the meter its events feed.</summary>
    internal TurnMeter StartTurn(string conversationId)
    {
        var meter = new TurnMeter(this, conversationId);
        Post(new TurnStartSignal(meter.SentAt, conversationId));
        return meter;
    }

    internal void OnRateLimits(CodexRateLimits limits) => Post(new RateLimitSignal(limits));

    private async Task SampleLoopAsync()
    {
        try
        {
            using var timer = new PeriodicTimer(_options.SampleInterval);
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                Post(new SampleSignal());
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    private async Task DrainAsync()
    {
        var reader = _signals.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var handled = 0;
            while (reader.TryRead(out var signal))
            {
                try
                {
                    Handle(signal);
                }
                catch (Exception ex)
                {
                    AddWarning($"CodexPS metrics: a {signal.GetType().Name} could not be recorded: {ex.Message}");
                }

                if (++handled % 512 == 0)
                {
                    WriteStore();
                }
            }

            WriteStore();
        }

        WriteStore();
    }

    private void Handle(MetricSignal signal)
    {
        switch (signal)
        {
            case TurnStartSignal start:
                _turnsStarted++;
                _firstTurnAt ??= start.At;
                Record(start.At, RequestsTotal, _turnsStarted, conversationId: start.ConversationId);
                SampleQueues(start.At);
                break;
            case TokenUsageSignal usage:
                OnTokenUsage(usage);
                break;
            case RateLimitSignal limits:
                OnRateLimits(limits);
                break;
            case ItemSignal item:
                Record(item.At, ItemDuration, item.DurationMs, item.ItemType, item.ConversationId, item.TurnId);
                break;
            case TurnSignal turn:
                OnTurn(turn);
                SampleClients(DateTimeOffset.Now);
                break;
            case ClientSignal client:
                OnClient(client);
                break;
            case SampleSignal:
                SampleClients(signal.At);
                break;
            case StoreSignal store:
                OpenStore(store.Path);
                store.Done.TrySetResult();
                break;
            case FlushSignal flush:
                WriteStore();
                flush.Done.TrySetResult();
                break;
        }
    }

    private void OnTokenUsage(TokenUsageSignal usage)
    {
        var at = usage.At;
        if (usage.Total is { } total)
        {
            Record(at, TokensTotal, total.TotalTokens, null, usage.ConversationId, usage.TurnId);
            Record(at, TokensInput, total.InputTokens, null, usage.ConversationId, usage.TurnId);
            Record(at, TokensOutput, total.OutputTokens, null, usage.ConversationId, usage.TurnId);
        }

        if (usage.ContextWindow is { } window)
        {
            Record(at, TokensLimit, window, null, usage.ConversationId, usage.TurnId);
            if (usage.Last is { } last)
            {
                Record(at, TokensRemaining, Math.Max(0, window - last.TotalTokens), null, usage.ConversationId, usage.TurnId);
            }
        }
    }

    private void OnRateLimits(RateLimitSignal signal)
    {
        var limits = signal.Limits;
        var at = signal.At;
        if (limits.Primary is { } primary)
        {
            _primaryUsed = primary.UsedPercent;
            Record(at, QuotaUsagePercent, primary.UsedPercent);
            if (primary.ResetsAt is { } reset)
            {
                Record(at, TokensResetTime, Math.Max(0, (reset - at).TotalSeconds));
            }
        }

        if (limits.Secondary is { } secondary)
        {
            _secondaryUsed = secondary.UsedPercent;
            Record(at, SecondaryUsedPercent, secondary.UsedPercent);
            if (secondary.ResetsAt is { } reset)
            {
                Record(at, SecondaryResetTime, Math.Max(0, (reset - at).TotalSeconds));
            }
        }

        if (limits.Primary is not null || limits.Secondary is not null)
        {
            var highest = Math.Max(limits.Primary?.UsedPercent ?? 0, limits.Secondary?.UsedPercent ?? 0);
            Record(at, RateLimitStatus, highest >= 100 ? 2 : highest >= 80 ? 1 : 0);
        }
    }

    private void OnTurn(TurnSignal turn)
    {
        var at = turn.At;
        var conversation = turn.ConversationId;
        var turnId = turn.TurnId;
        var failed = turn.Status == CodexTurnStatus.Failed;

        if (turn.TotalTokens is { } total && turn.InputTokens is { } input && turn.OutputTokens is { } output)
        {
            _inputCumulative += input;
            _outputCumulative += output;
            _totalCumulative += total;
            _turnsWithUsage++;
            Record(at, InputTokensCurrent, input, null, conversation, turnId);
            Record(at, OutputTokensCurrent, output, null, conversation, turnId);
            Record(at, TotalTokensCurrent, total, null, conversation, turnId);
            Record(at, InputTokensCumulative, _inputCumulative);
            Record(at, OutputTokensCumulative, _outputCumulative);
            Record(at, TotalTokensCumulative, _totalCumulative);
            Record(at, TokensPerRequestAvg, (double)_totalCumulative / _turnsWithUsage);
            if (input > 0)
            {
                Record(at, TokenEfficiencyRatio, (double)output / input, null, conversation, turnId);
            }

            Bounded(_turnTotals, total, TrendTurns);
            if (_turnTotals.Count >= 2)
            {
                Record(at, TokenUsageTrend, CodexMetricStatistics.Slope(_turnTotals.Select((v, i) => ((double)i, v)).ToList()));
            }

            // Throughput of generation: from the first streamed output to the end, else the runtime's duration.
            double? seconds = turn.FirstOutputAt is { } first && at > first ? (at - first).TotalSeconds : turn.RuntimeDuration?.TotalSeconds;
            if (output > 0 && seconds is > 0)
            {
                Record(at, TokensPerSecond, output / seconds.Value, null, conversation, turnId);
            }
        }

        // Metrics without a real signal are recorded as null with each turn, so a reader sees them and why.
        Record(at, ModelTokenCost, null, null, conversation, turnId);
        Record(at, RequestsRemaining, null, null, conversation, turnId);
        Record(at, RequestsLimit, null, null, conversation, turnId);
        Record(at, RequestsResetTime, null, null, conversation, turnId);

        if (turn.RuntimeDuration is { } duration)
        {
            Record(at, ApiRequestDuration, duration.TotalMilliseconds, null, conversation, turnId);
        }

        Record(at, ProcessingTime, turn.ProcessingMs, null, conversation, turnId);
        if (turn.ConnectionLatencyMs is { } latency)
        {
            Record(at, ConnectionLatency, latency, null, conversation, turnId);
        }

        if (turn.StartedAt is { } started && turn.FirstOutputAt is { } firstOutput && firstOutput >= started)
        {
            Record(at, TimeToFirstToken, (firstOutput - started).TotalMilliseconds, null, conversation, turnId);
        }

        Bounded(_processing, turn.ProcessingMs, PercentileTurns);
        var sorted = _processing.OrderBy(v => v).ToArray();
        Record(at, ResponseTimeP50, CodexMetricStatistics.Percentile(sorted, 50));
        Record(at, ResponseTimeP95, CodexMetricStatistics.Percentile(sorted, 95));

        _completions.Enqueue(at);
        while (_completions.Count > 0 && at - _completions.Peek() > TimeSpan.FromSeconds(60))
        {
            _completions.Dequeue();
        }

        var observed = Math.Clamp((at - (_firstTurnAt ?? at)).TotalSeconds, 1, 60);
        Record(at, ThroughputRequestsPerSec, _completions.Count / observed);

        var unstable = turn.Retried || (failed && IsTransport(turn.ErrorCategory));
        Bounded(_recent, new TurnOutcome(failed, unstable), RecentTurns);
        Record(at, ErrorRate, 100.0 * _recent.Count(t => t.Failed) / _recent.Count);
        Record(at, NetworkStability, 100.0 * _recent.Count(t => !t.Unstable) / _recent.Count);

        if (failed)
        {
            var category = turn.ErrorCategory ?? "turnFailed";
            _errorsByCategory[category] = _errorsByCategory.GetValueOrDefault(category) + 1;
            Record(at, ErrorsTotal, _errorsByCategory[category], category, conversation, turnId);
            _failingSince ??= at;
            if (category == "usageLimitExceeded")
            {
                Record(at, RateLimitStatus, 2);
            }
        }
        else if (turn.Status == CodexTurnStatus.Completed && _failingSince is { } since)
        {
            Record(at, ErrorRecoveryTime, Math.Max(0, (at - since).TotalMilliseconds), null, conversation, turnId);
            _failingSince = null;
        }
    }

    private static bool IsTransport(string? category) => category is "httpConnectionFailed" or "responseStreamConnectionFailed"
        or "responseStreamDisconnected" or "responseTooManyFailedAttempts" or "runtimeExited";

    private void OnClient(ClientSignal signal)
    {
        if (signal.Attached)
        {
            _observedFrom ??= signal.At;
            if (_downSince is { } down)
            {
                _downtime += signal.At - down;
                _downSince = null;
            }

            _clients.RemoveAll(c => c.Client.State != CodexRuntimeState.Running);
            _clients.Add(new AttachedClient(signal.Client));
        }
        else if (!_clients.Any(c => c.Client != signal.Client && c.Client.State == CodexRuntimeState.Running))
        {
            _downSince ??= signal.At;
        }

        SampleClients(signal.At);
    }

    private void SampleQueues(DateTimeOffset at)
    {
        foreach (var client in _clients)
        {
            if (client.Client.State == CodexRuntimeState.Running && client.Client.PendingRequestCount is { } pending)
            {
                Record(at, RequestQueueSize, pending);
            }
        }
    }

    private void SampleClients(DateTimeOffset at)
    {
        if (_observedFrom is null)
        {
            return;
        }

        var running = 0;
        double? memoryPercent = null;
        foreach (var attached in _clients)
        {
            var client = attached.Client;
            if (client.State != CodexRuntimeState.Running)
            {
                continue;
            }

            running++;
            Record(at, Uptime, Math.Max(0, (at - client.StartedAt).TotalSeconds));
            if (client.PendingRequestCount is { } pending)
            {
                Record(at, RequestQueueSize, pending);
            }

            if (client.SampleRuntimeProcess() is { } sample)
            {
                Record(at, MemoryUsage, sample.WorkingSet);
                var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
                if (available > 0)
                {
                    memoryPercent = 100.0 * sample.WorkingSet / available;
                    Record(at, ResourceUtilization, memoryPercent.Value);
                }

                if (attached.LastSampleAt is { } previousAt && at > previousAt)
                {
                    var cpu = (sample.ProcessorTime - attached.LastProcessorTime).TotalSeconds / ((at - previousAt).TotalSeconds * Environment.ProcessorCount) * 100;
                    Record(at, CpuUsage, Math.Clamp(cpu, 0, 100));
                }

                attached.LastSampleAt = at;
                attached.LastProcessorTime = sample.ProcessorTime;
            }
        }

        // A runtime that ended on its own between two samples is down from the moment it was noticed.
        if (running == 0 && _clients.Any(c => c.Client.State == CodexRuntimeState.Exited))
        {
            _downSince ??= at;
        }

        Record(at, ConnectionStatus, running > 0 ? 1 : 0);
        Record(at, ActiveConnections, running);
        var observed = at - _observedFrom.Value;
        var down = _downtime + (_downSince is { } since ? at - since : TimeSpan.Zero);
        double? availability = observed > TimeSpan.Zero ? Math.Clamp(100 * (1 - down / observed), 0, 100) : null;
        if (availability is { } a)
        {
            Record(at, ServiceAvailability, a);
        }

        if (running == 0)
        {
            Record(at, SystemHealthScore, 0);
            return;
        }

        var components = new List<double>();
        if (availability is { } available2)
        {
            components.Add(available2);
        }

        if (_recent.Count > 0)
        {
            components.Add(100 - (100.0 * _recent.Count(t => t.Failed) / _recent.Count));
            components.Add(100.0 * _recent.Count(t => !t.Unstable) / _recent.Count);
        }

        if (_primaryUsed is { } primary)
        {
            components.Add(100 - Math.Clamp(primary, 0, 100));
        }

        if (components.Count > 0)
        {
            Record(at, SystemHealthScore, components.Average());
        }
    }

    private void OpenStore(string? path)
    {
        WriteStore();
        _store?.Dispose();
        _store = null;
        _storeProblem = null;
        _storeProblemId = null;
        if (path is null)
        {
            _pendingStore.Clear();
            return;
        }

        try
        {
            _store = CodexMetricStore.Open(path, _options.StoreRetention);
        }
        catch (CodexMetricStoreException ex)
        {
            ReportStoreProblem(ex);
        }
    }

    private void WriteStore()
    {
        if (StorePath is null || _pendingStore.Count == 0)
        {
            return;
        }

        try
        {
            // A store that failed to open (locked at the time, say) is tried again at each write.
            _store ??= CodexMetricStore.Open(StorePath, _options.StoreRetention);
            _store.Append(_pendingStore);
            _pendingStore.Clear();
            if (_storeProblem is not null)
            {
                _storeProblem = null;
                _storeProblemId = null;
                AddWarning($"CodexPS metrics: the metric store '{StorePath}' is writable again; the points kept meanwhile were written.");
            }
        }
        catch (CodexMetricStoreException ex)
        {
            if (ex.ErrorId != "CodexMetricStoreLocked")
            {
                _store?.Dispose();
                _store = null;
            }

            ReportStoreProblem(ex);
            if (_pendingStore.Count > MaxPendingStorePoints)
            {
                _pendingStore.RemoveRange(0, _pendingStore.Count - MaxPendingStorePoints);
            }
        }
    }

    private void ReportStoreProblem(CodexMetricStoreException ex)
    {
        _storeProblem = ex;
        if (_storeProblemId == ex.ErrorId)
        {
            return;
        }

        _storeProblemId = ex.ErrorId;
        AddWarning($"CodexPS metrics ({ex.ErrorId}): {ex.Message} Metrics are kept in memory; turns are not affected.");
    }

    private void AddWarning(string message)
    {
        _warnings.Enqueue(message);
        while (_warnings.Count > 50 && _warnings.TryDequeue(out _))
        {
            // Bounded when nobody reads them.
        }
    }

    private void Record(DateTimeOffset at, string name, double? value, string? label = null, string? conversationId = null, string? turnId = null)
    {
        var point = new CodexMetricPoint(at, name, value, label, conversationId, turnId);
        lock (_seriesGate)
        {
            if (!_series.TryGetValue(name, out var series))
            {
                _series[name] = series = new Queue<CodexMetricPoint>();
            }

            series.Enqueue(point);
            while (series.Count > Math.Max(1, _options.SeriesCapacity))
            {
                series.Dequeue();
            }
        }

        if (StorePath is not null)
        {
            _pendingStore.Add(point);
        }
    }

    private static void Bounded<T>(Queue<T> queue, T value, int capacity)
    {
        queue.Enqueue(value);
        while (queue.Count > capacity)
        {
            queue.Dequeue();
        }
    }

    private readonly record struct TurnOutcome(bool Failed, bool Unstable);

    private sealed class AttachedClient(CodexClient client)
    {
        public CodexClient Client { get; } = client;

        public DateTimeOffset? LastSampleAt { get; set; }

        public TimeSpan LastProcessorTime { get; set; }
    }
}
