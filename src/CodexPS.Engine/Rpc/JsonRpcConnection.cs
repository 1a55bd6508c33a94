using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodexPS.Engine.Rpc;

/// <summary>
/// JSON-RPC over newline-delimited JSON (app-server omits the "jsonrpc" member). One reader task owns the
/// input; requests from this side and from the runtime have separate id spaces.
/// </summary>
public sealed class JsonRpcConnection : IAsyncDisposable
{
    private const int OverloadedCode = -32001;
    private const int InitialBuffer = 64 * 1024;
    private const int ShrinkAbove = 4 * 1024 * 1024;
    private static readonly byte[] NewLine = { (byte)'\n' };

    private readonly Stream _input;
    private readonly Stream _output;
    private readonly IJsonRpcHandler _handler;
    private readonly Func<Task<Exception>> _closeReason;
    private readonly ConcurrentDictionary<long, PendingRequest> _pending = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private volatile bool _stopping;

    // Ends the reader thread's waits (a slow handler, the close reason) when the connection is disposed. Never
    // disposed itself: the reader may still read its token after DisposeAsync has given up waiting for it.
    private readonly CancellationTokenSource _disposing = new();
    private long _nextId;
    private Task? _reader;
    private volatile Exception? _terminalError;
    private int _disposed;
    private int _closedNotified;
    private long _lastReceived = Environment.TickCount64;
    private volatile bool _dispatching;

    /// <summary>Connects over <paramref name="input"/> and <paramref name="output"/>; <paramref name="closeReason"/> explains an input that ends (the process's exit), and nothing is read until Start.</summary>
    public JsonRpcConnection(Stream input, Stream output, IJsonRpcHandler handler, Func<Task<Exception>>? closeReason = null)
    {
        _input = input;
        _output = output;
        _handler = handler;
        _closeReason = closeReason ?? (() => Task.FromResult<Exception>(new CodexRuntimeExitedException(null, string.Empty, "its output closed")));
    }

    /// <summary>Sees every line sent (true) and received (false), when set; it must not keep the span.</summary>
    public ProtocolTap? Tap { get; set; }

    /// <summary>How many times a request answered with -32001 (overloaded) is sent again.</summary>
    public int OverloadRetries { get; set; } = 5;

    /// <summary>The first back-off after -32001; it doubles each time and gets up to as much again as jitter.</summary>
    public TimeSpan OverloadBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a request may wait for its answer; infinite when null.</summary>
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary>Requests sent and not answered yet.</summary>
    public int PendingRequestCount => _pending.Count;

    /// <summary>Set once the input has ended; the error every later request fails with.</summary>
    public Exception? TerminalError => _terminalError;

    /// <summary>How long ago the runtime last sent any byte (or the connection started).</summary>
    public TimeSpan SinceLastReceived => TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastReceived));

    /// <summary>
    /// True while the reader is inside a handler: then it reads nothing until the consumer makes room (backpressure),
    /// so silence from the runtime says nothing about the runtime.
    /// </summary>
    public bool IsDispatching => _dispatching;

    /// <summary>
    /// Gives up on the peer: every pending request and every later one fails with <paramref name="error"/>. The
    /// caller ends the peer (kills the process), which ends the reader.
    /// </summary>
    public void Abort(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        FailAll(error);
    }

    /// <summary>Completes when the reader has stopped.</summary>
    public Task Completion => _reader ?? Task.CompletedTask;

    /// <summary>Starts the reader thread; calling it again does nothing.</summary>
    public void Start()
    {
        if (_reader is not null)
        {
            return;
        }

        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                ReadLoop();
            }
            finally
            {
                finished.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = "CodexPS runtime reader",
        };
        _reader = finished.Task;
        thread.Start();
    }

    /// <summary>Sends a request and waits for its result; -32001 is retried with back-off and jitter.</summary>
    public async Task<JsonElement> RequestAsync(string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await SendRequestOnceAsync(method, parameters, cancellationToken).ConfigureAwait(false);
            }
            catch (CodexRpcException ex) when (ex.Code == OverloadedCode && attempt < OverloadRetries)
            {
                var baseMs = OverloadBaseDelay.TotalMilliseconds * Math.Pow(2, attempt);
                var jitter = Random.Shared.NextDouble() * OverloadBaseDelay.TotalMilliseconds * (attempt + 1);
                await Task.Delay(TimeSpan.FromMilliseconds(baseMs + jitter), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends a notification: no id, no answer.</summary>
    public Task NotifyAsync(string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        return WriteMessageAsync(
            writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("method", method);
                if (parameters is not null)
                {
                    writer.WritePropertyName("params");
                    parameters.WriteTo(writer);
                }

                writer.WriteEndObject();
            },
            cancellationToken);
    }

    /// <summary>Answers a request that came from the runtime, echoing its id as it was sent.</summary>
    public Task RespondAsync(JsonElement id, JsonNode result, CancellationToken cancellationToken)
    {
        return WriteMessageAsync(
            writer =>
            {
                writer.WriteStartObject();
                writer.WritePropertyName("id");
                id.WriteTo(writer);
                writer.WritePropertyName("result");
                result.WriteTo(writer);
                writer.WriteEndObject();
            },
            cancellationToken);
    }

    /// <summary>Answers a server request with a JSON-RPC error.</summary>
    public Task RespondErrorAsync(JsonElement id, int code, string message, CancellationToken cancellationToken)
    {
        return WriteMessageAsync(
            writer =>
            {
                writer.WriteStartObject();
                writer.WritePropertyName("id");
                id.WriteTo(writer);
                writer.WriteStartObject("error");
                writer.WriteNumber("code", code);
                writer.WriteString("message", message);
                writer.WriteEndObject();
                writer.WriteEndObject();
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping = true;
        FailAll(new ObjectDisposedException(nameof(JsonRpcConnection)));
        await _disposing.CancelAsync().ConfigureAwait(false);
        try
        {
            // Unblocks the reader where the platform allows; otherwise it ends at the stream's end of file.
            _input.Dispose();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Already closed.
        }

        if (_reader is not null)
        {
            try
            {
                await _reader.WaitAsync(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A reader blocked on a stream that cannot be interrupted ends at its end of file.
            }
        }

        NotifyClosed(_terminalError ?? new ObjectDisposedException(nameof(JsonRpcConnection)));
    }

    private async Task<JsonElement> SendRequestOnceAsync(string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        if (_terminalError is { } dead)
        {
            throw Rethrowable(dead);
        }

        var id = Interlocked.Increment(ref _nextId);
        var pending = new PendingRequest(method);
        _pending[id] = pending;
        try
        {
            await WriteMessageAsync(
                writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("id", id);
                    writer.WriteString("method", method);
                    if (parameters is not null)
                    {
                        writer.WritePropertyName("params");
                        parameters.WriteTo(writer);
                    }

                    writer.WriteEndObject();
                },
                cancellationToken).ConfigureAwait(false);

            // A close that raced with the write would otherwise leave this request waiting forever.
            if (_terminalError is { } closed)
            {
                pending.Completion.TrySetException(Rethrowable(closed));
            }

            var task = pending.Completion.Task;
            if (RequestTimeout is { } timeout)
            {
                try
                {
                    return await task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    throw new CodexRuntimeUnresponsiveException(method, timeout);
                }
            }

            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task WriteMessageAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_terminalError is { } dead)
            {
                throw Rethrowable(dead);
            }

            Tap?.Invoke(true, buffer.WrittenSpan);
            await _output.WriteAsync(buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
            await _output.WriteAsync(NewLine, CancellationToken.None).ConfigureAwait(false);
            await _output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            var reason = _terminalError ?? await _closeReason().ConfigureAwait(false);
            throw Rethrowable(reason);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// The single reader: a dedicated thread doing blocking reads, so a stream of thousands of lines a second
    /// costs no thread-pool dispatch per read. Handlers run on it in order; when one waits (a full turn
    /// buffer), reading waits too, and the runtime is slowed instead of memory growing.
    /// </summary>
    private void ReadLoop()
    {
        var buffer = new byte[InitialBuffer];
        int start = 0, end = 0, scanned = 0;
        Exception? readError = null;
        try
        {
            while (true)
            {
                var newline = IndexOfNewLine(buffer, scanned, end - scanned);
                if (newline >= 0)
                {
                    var lineEnd = scanned + newline;
                    HandleLine(buffer, start, lineEnd - start);
                    start = scanned = lineEnd + 1;
                    if (start == end && buffer.Length > ShrinkAbove)
                    {
                        // One huge line grew the buffer; do not keep tens of megabytes for the small lines that follow.
                        buffer = new byte[InitialBuffer];
                        start = end = scanned = 0;
                    }

                    continue;
                }

                scanned = end;
                if (start > 0 && end == buffer.Length)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    scanned -= start;
                    start = 0;
                }

                if (end == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var read = _input.Read(buffer, end, buffer.Length - end);
                if (read == 0)
                {
                    if (end > start)
                    {
                        HandleLine(buffer, start, end - start);
                    }

                    break;
                }

                end += read;
                Volatile.Write(ref _lastReceived, Environment.TickCount64);
            }
        }
        catch (Exception ex)
        {
            // Whatever ends the reads (a broken pipe, a stream disposed under the reader) ends the connection;
            // nothing may escape a thread of ours and take the host down.
            readError = _stopping ? new ObjectDisposedException(nameof(JsonRpcConnection)) : ex;
        }

        Exception error;
        try
        {
            error = readError is ObjectDisposedException ode ? ode : SyncWait.Wait(_closeReason(), _disposing.Token);
        }
        catch (OperationCanceledException) when (_stopping)
        {
            error = new ObjectDisposedException(nameof(JsonRpcConnection));
        }
        catch (Exception ex)
        {
            error = ex;
        }

        FailAll(error);
        NotifyClosed(error);
    }

    // The loop never makes a span of its buffer itself: a span kept in one of its frame's slots (unoptimized code keeps
    // them for the whole method) would hold a buffer it has replaced for as long as the connection lives.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int IndexOfNewLine(byte[] buffer, int from, int count) => buffer.AsSpan(from, count).IndexOf((byte)'\n');

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void HandleLine(byte[] buffer, int start, int length) => HandleLine(buffer.AsSpan(start, length));

    private void NotifyClosed(Exception error)
    {
        if (Interlocked.Exchange(ref _closedNotified, 1) != 0)
        {
            return;
        }

        try
        {
            _handler.OnClosed(error);
        }
        catch (Exception)
        {
            // A handler failing while everything shuts down must not hide the original error.
        }
    }

    private void FailAll(Exception error)
    {
        if (_terminalError is null)
        {
            _terminalError = error;
        }

        foreach (var pair in _pending)
        {
            pair.Value.Completion.TrySetException(Rethrowable(_terminalError));
        }
    }

    private void HandleLine(ReadOnlySpan<byte> line)
    {
        line = line.TrimEnd("\r "u8);
        if (line.IsEmpty)
        {
            return;
        }

        Tap?.Invoke(false, line);

        // The JSON reader accepts invalid UTF-8 inside strings (it fails only later, in GetString), so check first.
        if (!System.Text.Unicode.Utf8.IsValid(line))
        {
            _handler.OnMalformedLine("not valid UTF-8", Excerpt(line));
            return;
        }

        JsonElement root;
        try
        {
            // ParseValue copies the line into a document of its own: events may keep it as long as they like.
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 512 });
            root = JsonElement.ParseValue(ref reader);
            if (!line[(int)reader.BytesConsumed..].Trim(" \t"u8).IsEmpty)
            {
                _handler.OnMalformedLine("not JSON: text after the value", Excerpt(line));
                return;
            }
        }
        catch (JsonException ex)
        {
            _handler.OnMalformedLine("not JSON: " + ex.Message, Excerpt(line));
            return;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            _handler.OnMalformedLine("not a JSON object", Excerpt(line));
            return;
        }

        var hasMethod = root.TryGetProperty("method"u8, out var methodElement) && methodElement.ValueKind == JsonValueKind.String;
        var hasId = root.TryGetProperty("id"u8, out var idElement);
        root.TryGetProperty("params"u8, out var parameters);
        _dispatching = true;
        try
        {
            if (hasMethod && hasId)
            {
                Complete(_handler.OnServerRequestAsync(idElement, methodElement.GetString()!, parameters, root));
            }
            else if (hasMethod)
            {
                Complete(_handler.OnNotificationAsync(MethodName(methodElement), parameters, root));
            }
            else if (hasId)
            {
                CompleteResponse(idElement, root, line);
            }
            else
            {
                _handler.OnMalformedLine("neither a request, a response nor a notification", Excerpt(line));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _handler.OnMalformedLine("handler failed: " + ex.Message, Excerpt(line));
        }
        finally
        {
            _dispatching = false;
        }
    }

    /// <summary>The methods of a streaming turn, matched without allocating a new string for each line.</summary>
    private static readonly string[] FrequentMethods =
    {
        "item/agentMessage/delta", "item/commandExecution/outputDelta", "item/reasoning/summaryTextDelta",
        "item/reasoning/textDelta", "item/started", "item/completed", "thread/tokenUsage/updated",
    };

    private static string MethodName(JsonElement method)
    {
        foreach (var known in FrequentMethods)
        {
            if (method.ValueEquals(known))
            {
                return known;
            }
        }

        return method.GetString()!;
    }

    /// <summary>
    /// Handlers almost always finish at once; when one does not, the reader thread waits for it (backpressure) until
    /// the connection is disposed.
    /// </summary>
    private void Complete(ValueTask pending)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            SyncWait.Wait(pending.AsTask(), _disposing.Token);
        }
    }

    private void CompleteResponse(JsonElement idElement, JsonElement root, ReadOnlySpan<byte> line)
    {
        if (idElement.ValueKind != JsonValueKind.Number || !idElement.TryGetInt64(out var id) || !_pending.TryGetValue(id, out var pending))
        {
            _handler.OnMalformedLine("a response to no pending request", Excerpt(line));
            return;
        }

        if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            var code = error.TryGetProperty("code", out var c) && c.TryGetInt32(out var ci) ? ci : 0;
            var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "(no message)";
            var data = error.TryGetProperty("data", out var d) ? d.GetRawText() : null;
            pending.Completion.TrySetException(new CodexRpcException(pending.Method, code, message, data));
            return;
        }

        pending.Completion.TrySetResult(root.TryGetProperty("result", out var result) ? result : default);
    }

    private static string Excerpt(ReadOnlySpan<byte> line)
    {
        const int max = 200;
        var text = Encoding.UTF8.GetString(line[..Math.Min(line.Length, max)]);
        return line.Length > max ? text + "…" : text;
    }

    private static Exception Rethrowable(Exception error)
    {
        return error switch
        {
            CodexRuntimeExitedException e => new CodexRuntimeExitedException(e.ExitCode, e.StderrTail),
            ObjectDisposedException => new ObjectDisposedException(nameof(JsonRpcConnection), "The connection to the codex runtime was closed."),
            _ => error,
        };
    }

    private sealed class PendingRequest
    {
        public PendingRequest(string method)
        {
            Method = method;
        }

        public string Method { get; }

        public TaskCompletionSource<JsonElement> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
