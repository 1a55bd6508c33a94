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
public sealed partial class CodexMetricsCollector : IAsyncDisposable
{
    private const int RecentTurns = 20;
    private const int PercentileTurns = 100;
    private const int AvailabilityRequests = 100;
    private const int TrendTurns = 10;
    private const int MaxPendingStorePoints = 100_000;

    private readonly CodexMetricsOptions _options;
    private readonly Channel<MetricSignal> _signals;
    private readonly Task _drain;
    private readonly Task _sampler;
    private readonly CancellationTokenSource _stop = new();
    private readonly WarningQueue _warnings = new(50);
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
    private readonly Queue<bool> _requestAnswered = new();
    private readonly Queue<DateTimeOffset> _requestEnds = new();

    // Written by the runtimes' reader threads (one turn per conversation at a time), read by the same.
    private readonly ConcurrentDictionary<string, long> _threadTotals = new(StringComparer.Ordinal);
    private CodexMetricStore? _store;
    private string? _storeProblemId;
    private long _inputCumulative;
    private long _outputCumulative;
    private long _totalCumulative;
    private long _turnsStarted;
    private long _requestsTotal;
    private long _requestsWithUsage;
    private double? _serviceAvailability;
    private DateTimeOffset? _failingSince;
    private DateTimeOffset? _firstTurnAt;
    private DateTimeOffset? _observedFrom;
    private DateTimeOffset? _downSince;
    private TimeSpan _downtime;
    private double? _primaryUsed;
    private double? _secondaryUsed;
    private long _dropped;
    private volatile CodexMetricStoreException? _storeProblem;

    /// <summary>Starts collecting; with no options the points are kept in memory with the default capacity and intervals.</summary>
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

    /// <summary>Whether warnings are waiting for DrainWarnings.</summary>
    public bool HasWarnings => !_warnings.IsEmpty;

    /// <summary>Warnings (store problems) raised since the last call, oldest first.</summary>
    public IReadOnlyList<string> DrainWarnings() => _warnings.Drain();

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

    /// <inheritdoc/>
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

    /// <summary>Notes a thread's token total as last reported and returns the one before (null when none was seen).</summary>
    internal long? ExchangeThreadTotal(string conversationId, long? total)
    {
        var previous = _threadTotals.TryGetValue(conversationId, out var before) ? before : (long?)null;
        if (total is { } now)
        {
            _threadTotals[conversationId] = now;
        }

        return previous;
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
                Record(start.At, TurnsTotal, _turnsStarted, conversationId: start.ConversationId);
                SampleQueues(start.At);
                break;
            case TokenUsageSignal usage:
                OnTokenUsage(usage);
                break;
            case ModelRequestSignal request:
                OnModelRequest(request);
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

    private void AddWarning(string message) => _warnings.Add(message);

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
}
