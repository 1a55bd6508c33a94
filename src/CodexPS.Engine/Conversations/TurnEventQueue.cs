using System.Diagnostics;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>
/// The bounded buffer between the runtime's reader thread and a turn's one consumer. The writer blocks when
/// it is full (backpressure reaches the runtime through the pipe). The consumer either waits asynchronously
/// or, on a thread it owns (the PowerShell pipeline thread), blocks and takes everything buffered in one go:
/// one wake-up per batch instead of a thread-pool hop and a wake-up per event.
/// </summary>
internal sealed class TurnEventQueue
{
    private static readonly TimeSpan CancellationPoll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan StreamingWindow = TimeSpan.FromMilliseconds(5);
    private const int GatherTime = 1;
    private const int BatchTarget = 64;

    private readonly object _gate = new();
    private readonly Queue<CodexEvent> _items = new();
    private readonly int _capacity;
    private TaskCompletionSource? _asyncReader;
    private bool _asyncGathering;
    private int _blockedReaders;
    private int _gatheringReaders;
    private bool _urgent;
    private long _lastBatchAt;
    private int _blockedWriters;
    private bool _completed;
    private bool _closed;
    private Exception? _error;

    public TurnEventQueue(int capacity)
    {
        _capacity = Math.Max(1, capacity);
    }

    public bool IsCompleted
    {
        get
        {
            lock (_gate)
            {
                return _completed && _items.Count == 0;
            }
        }
    }

    /// <summary>Adds an event, waiting while the buffer is full. False when nobody reads any more (closed or completed).</summary>
    public bool Write(CodexEvent item)
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            while (_items.Count >= _capacity && !_closed && !_completed)
            {
                _blockedWriters++;
                try
                {
                    Monitor.Wait(_gate);
                }
                finally
                {
                    _blockedWriters--;
                }
            }

            if (_closed || _completed)
            {
                return false;
            }

            _items.Enqueue(item);
            var isDelta = item is DeltaEvent;
            _urgent |= !isDelta;
            var wakeGatherer = !isDelta || _items.Count >= BatchTarget;
            if (_blockedReaders > 0 || (_gatheringReaders > 0 && wakeGatherer))
            {
                Monitor.PulseAll(_gate);
            }

            // An async reader gathering a stream is woken by its own timer, not by every delta.
            wake = null;
            if (_asyncReader is not null && (!_asyncGathering || wakeGatherer))
            {
                wake = _asyncReader;
                _asyncReader = null;
            }
        }

        wake?.TrySetResult();
        return true;
    }

    /// <summary>
    /// Adds an entry without waiting for room: for notices, which may come from the consumer's own thread (the log
    /// line of its own answer), where waiting for the consumer to make room would never end.
    /// </summary>
    public bool WriteWithoutWaiting(CodexEvent item)
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            if (_closed || _completed)
            {
                return false;
            }

            _items.Enqueue(item);
            _urgent = true;
            if (_blockedReaders > 0 || _gatheringReaders > 0)
            {
                Monitor.PulseAll(_gate);
            }

            wake = _asyncReader;
            _asyncReader = null;
        }

        wake?.TrySetResult();
        return true;
    }

    /// <summary>No more events will come; the consumer reads what is buffered, then sees the end (or the error).</summary>
    public void Complete(Exception? error = null)
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            _error = error;
            Monitor.PulseAll(_gate);
            wake = _asyncReader;
            _asyncReader = null;
        }

        wake?.TrySetResult();
    }

    /// <summary>The consumer has gone: writes are refused from now on and what was buffered is handed back.</summary>
    public IReadOnlyList<CodexEvent> Close()
    {
        lock (_gate)
        {
            _closed = true;
            var left = _items.ToArray();
            _items.Clear();
            Monitor.PulseAll(_gate);
            return left;
        }
    }

    /// <summary>
    /// Blocks until events are buffered, then moves all of them into <paramref name="batch"/>. False at the end;
    /// throws the error the queue was completed with, or OperationCanceledException.
    /// While a stream is flowing (the last batch was taken moments ago) it lets deltas gather for up to a
    /// millisecond before it wakes, so a stream of thousands of deltas a second costs a wake-up per batch,
    /// not per delta; any other event, or a full batch, wakes it at once.
    /// </summary>
    public bool ReadBatch(List<CodexEvent> batch, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var streaming = Stopwatch.GetElapsedTime(_lastBatchAt) < StreamingWindow;
            while (true)
            {
                if (_items.Count > 0 && (!streaming || _urgent || _completed || _items.Count >= BatchTarget))
                {
                    return TakeAll(batch);
                }

                if (_items.Count == 0 && _completed)
                {
                    return _error is null ? false : throw _error;
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (streaming)
                {
                    _gatheringReaders++;
                    try
                    {
                        Monitor.Wait(_gate, GatherTime);
                    }
                    finally
                    {
                        _gatheringReaders--;
                    }

                    if (_items.Count > 0)
                    {
                        return TakeAll(batch);
                    }

                    streaming = Stopwatch.GetElapsedTime(_lastBatchAt) < StreamingWindow;
                    continue;
                }

                _blockedReaders++;
                try
                {
                    Monitor.Wait(_gate, CancellationPoll);
                }
                finally
                {
                    _blockedReaders--;
                }
            }
        }
    }

    private bool TakeAll(List<CodexEvent> batch)
    {
        while (_items.Count > 0)
        {
            batch.Add(_items.Dequeue());
        }

        _urgent = false;
        _lastBatchAt = Stopwatch.GetTimestamp();
        if (_blockedWriters > 0)
        {
            Monitor.PulseAll(_gate);
        }

        return true;
    }

    /// <summary>Moves every buffered event into <paramref name="batch"/> under one lock; false when none was buffered.</summary>
    public bool TakeAvailable(List<CodexEvent> batch)
    {
        lock (_gate)
        {
            return _items.Count > 0 && TakeAll(batch);
        }
    }

    /// <summary>
    /// Waits until an event is buffered (true) or the queue has ended (false, or its error). Like
    /// <see cref="ReadBatch"/>, while a stream is flowing it lets deltas gather for about a millisecond, so a
    /// stream of thousands of deltas a second costs a thread-pool wake-up per batch, not per delta; any other
    /// event, or a full batch, wakes it at once.
    /// </summary>
    public async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task waiter;
            bool gathering;
            lock (_gate)
            {
                var streaming = Stopwatch.GetElapsedTime(_lastBatchAt) < StreamingWindow;
                if (_items.Count > 0 && (!streaming || _urgent || _completed || _items.Count >= BatchTarget))
                {
                    return true;
                }

                if (_items.Count == 0 && _completed)
                {
                    return _error is null ? false : throw _error;
                }

                _asyncReader ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _asyncGathering = gathering = streaming;
                waiter = _asyncReader.Task;
            }

            if (!gathering)
            {
                await waiter.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            await Task.WhenAny(waiter, Task.Delay(GatherTime, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            lock (_gate)
            {
                _asyncGathering = false;
                if (_items.Count > 0)
                {
                    return true;
                }

                // Nothing came within the window: the stream has paused, so the next wait is woken by the first event.
                _lastBatchAt = 0;
            }
        }
    }
}
