using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CodexPS.Engine.Conversations;

namespace CodexPS.Engine.Mock;

/// <summary>A request the mock received. The Authorization header is kept only as "(redacted)".</summary>
public sealed record MockRequest(DateTimeOffset ReceivedAt, string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The body parsed as JSON, or null when it is not JSON.</summary>
    public JsonElement? Json
    {
        get
        {
            try
            {
                return JsonDocument.Parse(Body).RootElement;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}

/// <summary>
/// A scripted OpenAI Responses endpoint on 127.0.0.1: each POST /v1/responses takes the next scripted
/// response and streams it in the real SSE format. The only stand-in CodexPS uses anywhere.
/// </summary>
public sealed class MockModelServer : IAsyncDisposable
{
    /// <summary>A model slug from the runtime's bundled catalogue, so the runtime offers its full tool set.</summary>
    public const string DefaultModel = "gpt-5.5";

    private static readonly byte[] EventPrefix = Encoding.ASCII.GetBytes("event: ");
    private static readonly byte[] DataPrefix = Encoding.ASCII.GetBytes("\ndata: ");
    private static readonly byte[] EventEnd = Encoding.ASCII.GetBytes("\n\n");

    private readonly TcpListener _listener;
    private readonly ConcurrentQueue<MockResponse> _script = new();
    private readonly ConcurrentQueue<MockRequest> _requests = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _responseCounter;
    private int _scenarioCounter;

    private MockModelServer(IEnumerable<MockResponse>? script)
    {
        foreach (var response in script ?? Array.Empty<MockResponse>())
        {
            _script.Enqueue(response);
        }

        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}/v1";

    /// <summary>Every request received so far, oldest first.</summary>
    public IReadOnlyList<MockRequest> Requests => _requests.ToArray();

    /// <summary>Forgets the requests received so far (each holds its whole body: a long run would otherwise keep them all).</summary>
    public void ClearRequests() => _requests.Clear();

    /// <summary>Scripted responses not yet used.</summary>
    public int Remaining => _script.Count;

    /// <summary>What a POST gets once the script is used up.</summary>
    public MockResponse DefaultResponse { get; set; } = MockResponse.FromText("This is the CodexPS mock model. Its script has no more responses.", 4);

    /// <summary>When set, answers once the script is used up come from this scenario instead of DefaultResponse.</summary>
    public MockScenario? Scenario { get; set; }

    /// <summary>The provider that points a runtime at this server.</summary>
    public CodexModelProvider Provider => new("codexps_mock", "CodexPS mock", BaseUrl) { DefaultModel = DefaultModel, MaxRetries = 0 };

    public bool IsRunning => !_stop.IsCancellationRequested;

    public static MockModelServer Start(IEnumerable<MockResponse>? script = null) => new(script);

    public void Enqueue(params MockResponse[] responses)
    {
        foreach (var response in responses)
        {
            _script.Enqueue(response);
        }
    }

    /// <summary>Lets every stalled response finish.</summary>
    public void ReleaseStalls()
    {
        Interlocked.Exchange(ref _release, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        _listener.Stop();
        ReleaseStalls();
        try
        {
            await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Stopping; connections still open end with the process or on their own.
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            client.NoDelay = true;
            var stream = client.GetStream();
            try
            {
                var request = await ReadRequestAsync(stream).ConfigureAwait(false);
                if (request is null)
                {
                    return;
                }

                _requests.Enqueue(request);
                if (request.Method == "POST" && request.Path.TrimEnd('/').EndsWith("/responses", StringComparison.Ordinal))
                {
                    var response = _script.TryDequeue(out var next) ? next
                        : Scenario is { } scenario ? MockScenarios.Respond(scenario, Interlocked.Increment(ref _scenarioCounter), DateTimeOffset.Now)
                        : DefaultResponse;
                    await RespondAsync(stream, request, response).ConfigureAwait(false);
                }
                else
                {
                    await WriteStatusAsync(stream, 404, "{\"error\":{\"message\":\"not found\",\"type\":\"invalid_request_error\"}}", null).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The client went away; that is its right.
            }
        }
    }

    private static async Task<MockRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new List<byte>(4096);
        var one = new byte[4096];
        int headerEnd;
        while (true)
        {
            headerEnd = IndexOfHeaderEnd(buffer);
            if (headerEnd >= 0)
            {
                break;
            }

            var read = await stream.ReadAsync(one).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            buffer.AddRange(one.AsSpan(0, read).ToArray());
        }

        var head = Encoding.ASCII.GetString(buffer.GetRange(0, headerEnd).ToArray());
        var lines = head.Split("\r\n");
        var first = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                var name = line[..colon].Trim();
                headers[name] = name.Equals("authorization", StringComparison.OrdinalIgnoreCase) ? "(redacted)" : line[(colon + 1)..].Trim();
            }
        }

        var body = buffer.GetRange(headerEnd + 4, buffer.Count - headerEnd - 4);
        if (headers.TryGetValue("content-length", out var lengthText) && int.TryParse(lengthText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var length))
        {
            while (body.Count < length)
            {
                var read = await stream.ReadAsync(one).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                body.AddRange(one.AsSpan(0, read).ToArray());
            }
        }
        else if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = await ReadChunkedAsync(stream, body, one).ConfigureAwait(false);
        }

        return new MockRequest(DateTimeOffset.Now, first[0], first.Length > 1 ? first[1] : "/", headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    private static async Task<List<byte>> ReadChunkedAsync(NetworkStream stream, List<byte> pending, byte[] scratch)
    {
        var result = new List<byte>();
        var data = new List<byte>(pending);
        while (true)
        {
            int lineEnd;
            while ((lineEnd = IndexOf(data, "\r\n"u8)) < 0)
            {
                var read = await stream.ReadAsync(scratch).ConfigureAwait(false);
                if (read == 0)
                {
                    return result;
                }

                data.AddRange(scratch.AsSpan(0, read).ToArray());
            }

            var sizeText = Encoding.ASCII.GetString(data.GetRange(0, lineEnd).ToArray()).Split(';')[0].Trim();
            var size = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            data.RemoveRange(0, lineEnd + 2);
            if (size == 0)
            {
                return result;
            }

            while (data.Count < size + 2)
            {
                var read = await stream.ReadAsync(scratch).ConfigureAwait(false);
                if (read == 0)
                {
                    return result;
                }

                data.AddRange(scratch.AsSpan(0, read).ToArray());
            }

            result.AddRange(data.GetRange(0, size));
            data.RemoveRange(0, size + 2);
        }
    }

    private static int IndexOfHeaderEnd(List<byte> buffer) => IndexOf(buffer, "\r\n\r\n"u8);

    private static int IndexOf(List<byte> buffer, ReadOnlySpan<byte> pattern)
    {
        for (var i = 0; i + pattern.Length <= buffer.Count; i++)
        {
            var match = true;
            for (var j = 0; j < pattern.Length; j++)
            {
                if (buffer[i + j] != pattern[j])
                {
                    match = false;
                    break;
                }
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }

    private async Task RespondAsync(NetworkStream stream, MockRequest request, MockResponse response)
    {
        if (response.Delay > TimeSpan.Zero)
        {
            await Task.Delay(response.Delay, _stop.Token).ConfigureAwait(false);
        }

        var extraHeaders = new List<KeyValuePair<string, string>>(response.Headers);
        if (response.RateLimits is { } limits)
        {
            extraHeaders.AddRange(limits.Headers());
        }

        if (response.Kind == MockResponseKind.HttpError)
        {
            await WriteStatusAsync(stream, response.StatusCode, response.Body ?? DefaultErrorBody(response.StatusCode), extraHeaders).ConfigureAwait(false);
            return;
        }

        var n = Interlocked.Increment(ref _responseCounter);
        var responseId = $"resp_mock_{n}";
        var head = new StringBuilder("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n");
        foreach (var header in extraHeaders)
        {
            head.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
        }

        head.Append("\r\n");
        Stream output = new BufferedStream(stream, 64 * 1024);
        await output.WriteAsync(Encoding.ASCII.GetBytes(head.ToString())).ConfigureAwait(false);
        if (response.Kind == MockResponseKind.RawStream)
        {
            await output.WriteAsync(Encoding.UTF8.GetBytes(response.Raw ?? string.Empty)).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
            return;
        }

        var sse = new SseWriter(output);
        sse.Write("response.created", w =>
        {
            w.WriteString("type", "response.created");
            w.WriteStartObject("response");
            w.WriteString("id", responseId);
            w.WriteEndObject();
        });

        long outputTokens;
        switch (response.Kind)
        {
            case MockResponseKind.Text:
                outputTokens = await StreamMessageAsync(sse, output, response, $"msg_mock_{n}").ConfigureAwait(false);
                break;
            case MockResponseKind.ExecCommand:
                var arguments = new Dictionary<string, object?> { ["cmd"] = response.Command };
                if (response.Escalate)
                {
                    arguments["sandbox_permissions"] = "require_escalated";
                    arguments["justification"] = response.Justification ?? "CodexPS mock asks to run this outside the sandbox.";
                }

                var argumentText = JsonSerializer.Serialize(arguments);
                WriteOutputItem(sse, w =>
                {
                    w.WriteString("type", "function_call");
                    w.WriteString("id", $"fc_mock_{n}");
                    w.WriteString("call_id", $"call_mock_{n}");
                    w.WriteString("name", "exec_command");
                    w.WriteString("arguments", argumentText);
                });
                outputTokens = Math.Max(1, argumentText.Length / 4);
                break;
            case MockResponseKind.ApplyPatch:
                WriteOutputItem(sse, w =>
                {
                    w.WriteString("type", "custom_tool_call");
                    w.WriteString("id", $"ctc_mock_{n}");
                    w.WriteString("call_id", $"call_mock_{n}");
                    w.WriteString("name", "apply_patch");
                    w.WriteString("input", response.Patch);
                });
                outputTokens = Math.Max(1, (response.Patch?.Length ?? 0) / 4);
                break;
            case MockResponseKind.ToolCall:
                var toolArguments = response.Arguments ?? "{}";
                WriteOutputItem(sse, w =>
                {
                    w.WriteString("type", "function_call");
                    w.WriteString("id", $"fc_mock_{n}");
                    w.WriteString("call_id", $"call_mock_{n}");
                    w.WriteString("name", response.Tool);
                    if (response.Namespace is { } toolNamespace)
                    {
                        w.WriteString("namespace", toolNamespace);
                    }

                    w.WriteString("arguments", toolArguments);
                });
                outputTokens = Math.Max(1, toolArguments.Length / 4);
                break;
            case MockResponseKind.CloseStream:
                if (response.Text is not null)
                {
                    WriteMessageStart(sse, $"msg_mock_{n}", response.Phase);
                    foreach (var piece in Pieces(response))
                    {
                        WriteDelta(sse, $"msg_mock_{n}", piece);
                        if (response.DeltaDelay > TimeSpan.Zero)
                        {
                            await output.FlushAsync().ConfigureAwait(false);
                            await Task.Delay(response.DeltaDelay, _stop.Token).ConfigureAwait(false);
                        }
                    }
                }

                await output.FlushAsync().ConfigureAwait(false);
                stream.Socket.LingerState = new LingerOption(true, 0);
                return;
            case MockResponseKind.Stall:
                await output.FlushAsync().ConfigureAwait(false);
                await WaitForReleaseOrHangUpAsync(stream).ConfigureAwait(false);
                return;
            default:
                outputTokens = 0;
                break;
        }

        if (response.DripDelay > TimeSpan.Zero)
        {
            // What is left goes out one byte at a time: the deltas already sent are flushed first.
            await output.FlushAsync().ConfigureAwait(false);
            var rest = new MemoryStream();
            sse = new SseWriter(rest);
            WriteCompleted(sse, request, responseId, outputTokens);
            output = new DripStream(stream, response.DripDelay, rest, _stop.Token);
        }
        else
        {
            WriteCompleted(sse, request, responseId, outputTokens);
        }

        await output.FlushAsync().ConfigureAwait(false);
    }

    private static void WriteCompleted(SseWriter sse, MockRequest request, string responseId, long outputTokens)
    {
        var inputTokens = Math.Max(1, request.Body.Length / 4);
        sse.Write("response.completed", w =>
        {
            w.WriteString("type", "response.completed");
            w.WriteStartObject("response");
            w.WriteString("id", responseId);
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", inputTokens);
            w.WriteStartObject("input_tokens_details");
            w.WriteNumber("cached_tokens", 0);
            w.WriteEndObject();
            w.WriteNumber("output_tokens", outputTokens);
            w.WriteStartObject("output_tokens_details");
            w.WriteNumber("reasoning_tokens", 0);
            w.WriteEndObject();
            w.WriteNumber("total_tokens", inputTokens + outputTokens);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static void WriteMessageStart(SseWriter sse, string itemId, string? phase)
    {
        sse.Write("response.output_item.added", w =>
        {
            w.WriteString("type", "response.output_item.added");
            w.WriteNumber("output_index", 0);
            w.WriteStartObject("item");
            w.WriteString("type", "message");
            w.WriteString("id", itemId);
            w.WriteString("role", "assistant");
            WritePhase(w, phase);
            w.WriteStartArray("content");
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>Sends what was buffered one byte at a time, pausing between bytes, when flushed.</summary>
    private sealed class DripStream : Stream
    {
        private readonly Stream _target;
        private readonly TimeSpan _pause;
        private readonly MemoryStream _pending;
        private readonly CancellationToken _stop;

        public DripStream(Stream target, TimeSpan pause, MemoryStream pending, CancellationToken stop)
        {
            _target = target;
            _pause = pause;
            _pending = pending;
            _stop = stop;
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            var bytes = _pending.ToArray();
            _pending.SetLength(0);
            for (var i = 0; i < bytes.Length; i++)
            {
                await _target.WriteAsync(bytes.AsMemory(i, 1), _stop).ConfigureAwait(false);
                await _target.FlushAsync(_stop).ConfigureAwait(false);
                await Task.Delay(_pause, _stop).ConfigureAwait(false);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _pending.Write(buffer, offset, count);
    }

    private async Task<long> StreamMessageAsync(SseWriter sse, Stream output, MockResponse response, string itemId)
    {
        WriteMessageStart(sse, itemId, response.Phase);

        var full = new StringBuilder();
        foreach (var piece in Pieces(response))
        {
            WriteDelta(sse, itemId, piece);
            full.Append(piece);
            if (response.DeltaDelay > TimeSpan.Zero)
            {
                await output.FlushAsync().ConfigureAwait(false);
                await Task.Delay(response.DeltaDelay, _stop.Token).ConfigureAwait(false);
            }
            else if (sse.Pending > 48 * 1024)
            {
                // Hand the runtime what is ready rather than holding a large stream back.
                await output.FlushAsync().ConfigureAwait(false);
                sse.Pending = 0;
            }
        }

        var text = full.ToString();
        WriteOutputItem(sse, w =>
        {
            w.WriteString("type", "message");
            w.WriteString("id", itemId);
            w.WriteString("role", "assistant");
            WritePhase(w, response.Phase);
            w.WriteStartArray("content");
            w.WriteStartObject();
            w.WriteString("type", "output_text");
            w.WriteString("text", text);
            w.WriteStartArray("annotations");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
        });
        return response.Deltas;
    }

    /// <summary>The Responses API's message phase (commentary, final_answer), which the runtime passes on as the agent message's phase.</summary>
    private static void WritePhase(Utf8JsonWriter w, string? phase)
    {
        if (phase is not null)
        {
            w.WriteString("phase", phase);
        }
    }

    private static IEnumerable<string> Pieces(MockResponse response)
    {
        if (response.RepeatDelta is { } repeated)
        {
            for (var i = 0; i < response.Deltas; i++)
            {
                yield return repeated;
            }

            yield break;
        }

        var text = response.Text ?? string.Empty;
        var count = Math.Min(Math.Max(1, response.Deltas), Math.Max(1, text.Length));
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            var end = (int)((long)text.Length * (i + 1) / count);
            yield return text[start..end];
            start = end;
        }
    }

    private static void WriteDelta(SseWriter sse, string itemId, string delta)
    {
        sse.Write("response.output_text.delta", w =>
        {
            w.WriteString("type", "response.output_text.delta");
            w.WriteString("item_id", itemId);
            w.WriteNumber("output_index", 0);
            w.WriteNumber("content_index", 0);
            w.WriteString("delta", delta);
        });
    }

    private static void WriteOutputItem(SseWriter sse, Action<Utf8JsonWriter> item)
    {
        sse.Write("response.output_item.done", w =>
        {
            w.WriteString("type", "response.output_item.done");
            w.WriteNumber("output_index", 0);
            w.WriteStartObject("item");
            item(w);
            w.WriteEndObject();
        });
    }

    private async Task WaitForReleaseOrHangUpAsync(NetworkStream stream)
    {
        var release = Volatile.Read(ref _release).Task;
        var scratch = new byte[256];
        var hangUp = Task.Run(async () =>
        {
            while (await stream.ReadAsync(scratch).ConfigureAwait(false) > 0)
            {
                // Drain whatever the client sends until it closes.
            }
        });
        await Task.WhenAny(release, hangUp, Task.Delay(Timeout.Infinite, _stop.Token)).ConfigureAwait(false);
    }

    private static string DefaultErrorBody(int status) => status switch
    {
        429 => "{\"error\":{\"type\":\"usage_limit_reached\",\"message\":\"The usage limit has been reached (CodexPS mock).\"}}",
        400 => "{\"error\":{\"type\":\"invalid_request_error\",\"code\":\"context_length_exceeded\",\"message\":\"Your input exceeds the context window of this model (CodexPS mock).\"}}",
        401 => "{\"error\":{\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\",\"message\":\"Incorrect API key provided (CodexPS mock).\"}}",
        _ => "{\"error\":{\"type\":\"server_error\",\"message\":\"The CodexPS mock was told to fail with " + status.ToString(CultureInfo.InvariantCulture) + ".\"}}",
    };

    private static async Task WriteStatusAsync(NetworkStream stream, int status, string body, IEnumerable<KeyValuePair<string, string>>? headers)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = new StringBuilder()
            .Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Reason(status)).Append("\r\n")
            .Append("Content-Type: application/json\r\nConnection: close\r\nContent-Length: ").Append(bytes.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        foreach (var header in headers ?? Array.Empty<KeyValuePair<string, string>>())
        {
            head.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString())).ConfigureAwait(false);
        await stream.WriteAsync(bytes).ConfigureAwait(false);
        await stream.FlushAsync().ConfigureAwait(false);
    }

    private static string Reason(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };

    /// <summary>Writes `event: NAME\ndata: JSON\n\n` into the buffered stream with one reusable JSON buffer.</summary>
    private sealed class SseWriter
    {
        private readonly Stream _output;
        private readonly ArrayBufferWriter<byte> _json = new(1024);
        private readonly Utf8JsonWriter _writer;

        public SseWriter(Stream output)
        {
            _output = output;
            _writer = new Utf8JsonWriter(_json);
        }

        /// <summary>Bytes written since the caller last flushed.</summary>
        public long Pending { get; set; }

        public void Write(string eventName, Action<Utf8JsonWriter> body)
        {
            _json.Clear();
            _writer.Reset(_json);
            _writer.WriteStartObject();
            body(_writer);
            _writer.WriteEndObject();
            _writer.Flush();
            _output.Write(EventPrefix);
            _output.Write(Encoding.ASCII.GetBytes(eventName));
            _output.Write(DataPrefix);
            _output.Write(_json.WrittenSpan);
            _output.Write(EventEnd);
            Pending += _json.WrittenCount + eventName.Length + 10;
        }
    }
}
