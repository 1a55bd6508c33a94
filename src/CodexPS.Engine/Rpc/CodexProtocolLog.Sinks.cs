namespace CodexPS.Engine.Rpc;

/// <summary>
/// Listeners that take each line as it is recorded rather than from the shared queue: a turn being read puts them
/// in its own event queue, so they reach the pipeline in order with the turn's events.
/// </summary>
public sealed partial class CodexProtocolLog
{
    private readonly object _sinkGate = new();
    private Sink[] _sinks = Array.Empty<Sink>();

    /// <summary>
    /// Hands raw lines (debug: true) and request summaries (debug: false) to <paramref name="write"/>, on the thread
    /// that records them, until the result is disposed. Lines it takes are not queued for it.
    /// </summary>
    public IDisposable ListenWith(bool debug, bool verbose, Action<bool, string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var sink = new Sink(this, debug, verbose, write);
        lock (_sinkGate)
        {
            _sinks = _sinks.Append(sink).ToArray();
        }

        return sink;
    }

    private static bool Wants(Sink[] sinks, bool debug)
    {
        foreach (var sink in sinks)
        {
            if (debug ? sink.Debug : sink.Verbose)
            {
                return true;
            }
        }

        return false;
    }

    private static void Write(Sink[] sinks, bool debug, string text)
    {
        foreach (var sink in sinks)
        {
            if (debug ? sink.Debug : sink.Verbose)
            {
                sink.Deliver(debug, text);
            }
        }
    }

    private void Remove(Sink sink)
    {
        lock (_sinkGate)
        {
            _sinks = _sinks.Where(s => !ReferenceEquals(s, sink)).ToArray();
        }
    }

    private sealed class Sink : IDisposable
    {
        private readonly Action<bool, string> _write;
        private CodexProtocolLog? _log;

        public Sink(CodexProtocolLog log, bool debug, bool verbose, Action<bool, string> write)
        {
            _log = log;
            Debug = debug;
            Verbose = verbose;
            _write = write;
        }

        public bool Debug { get; }

        public bool Verbose { get; }

        public void Deliver(bool debug, string text) => _write(debug, text);

        public void Dispose()
        {
            Interlocked.Exchange(ref _log, null)?.Remove(this);
        }
    }
}
