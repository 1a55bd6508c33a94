using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CodexPS.Engine.Rpc;

/// <summary>
/// Every protocol line, with secrets redacted, for whoever listens: a log file (Connect-Codex -LogPath), and
/// cmdlets run with -Debug (the raw lines) or -Verbose (one summary per request and response). With nobody
/// listening a line costs one check.
/// </summary>
public sealed partial class CodexProtocolLog : IDisposable
{
    private const int MaxQueued = 10_000;
    private readonly object _fileGate = new();
    private readonly ConcurrentQueue<string> _debug = new();
    private readonly ConcurrentQueue<string> _verbose = new();
    private readonly ConcurrentDictionary<long, (string Method, long Started)> _requests = new();
    private StreamWriter? _file;
    private int _debugListeners;
    private int _verboseListeners;

    /// <summary>Keeps the protocol lines of one runtime; with <paramref name="path"/> also writes them (secrets redacted) to that file.</summary>
    public CodexProtocolLog(string? path)
    {
        if (path is not null)
        {
            PrivateFiles.CreateParent(path);
            _file = new StreamWriter(PrivateFiles.Open(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(false));
            FilePath = System.IO.Path.GetFullPath(path);
        }
    }

    /// <summary>The log file, when there is one.</summary>
    public string? FilePath { get; }

    /// <summary>True while lines wait for a cmdlet to write them to the debug or verbose stream.</summary>
    public bool HasLines => !_debug.IsEmpty || !_verbose.IsEmpty;

    /// <summary>Starts queuing raw lines (debug) and summaries (verbose) for a listener; dispose the result to stop.</summary>
    public IDisposable Listen(bool debug, bool verbose)
    {
        if (debug)
        {
            Interlocked.Increment(ref _debugListeners);
        }

        if (verbose)
        {
            Interlocked.Increment(ref _verboseListeners);
        }

        return new Listener(this, debug, verbose);
    }

    /// <summary>Takes the oldest raw line waiting for the debug stream.</summary>
    public bool TryDequeueDebug(out string line) => _debug.TryDequeue(out line!);

    /// <summary>Takes the oldest one-line request summary waiting for the verbose stream.</summary>
    public bool TryDequeueVerbose(out string line) => _verbose.TryDequeue(out line!);

    /// <summary>The tap for <see cref="JsonRpcConnection.Tap"/>.</summary>
    public void Record(bool outgoing, ReadOnlySpan<byte> line)
    {
        var debug = Volatile.Read(ref _debugListeners) > 0;
        var verbose = Volatile.Read(ref _verboseListeners) > 0;
        var sinks = Volatile.Read(ref _sinks);
        if (_file is null && !debug && !verbose && sinks.Length == 0)
        {
            return;
        }

        var redacted = Redact(line);
        var direction = outgoing ? ">>" : "<<";
        if (_file is not null || debug || Wants(sinks, debug: true))
        {
            var text = $"{DateTimeOffset.Now.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {direction} {redacted}";
            if (debug && _debug.Count < MaxQueued)
            {
                _debug.Enqueue(text);
            }

            Write(sinks, debug: true, text);

            lock (_fileGate)
            {
                if (_file is not null)
                {
                    _file.WriteLine(DateTimeOffset.Now.ToString("o", CultureInfo.InvariantCulture) + text[12..]);
                    _file.Flush();
                }
            }
        }

        if ((verbose || Wants(sinks, debug: false)) && Summarize(outgoing, line) is { } summary)
        {
            if (verbose && _verbose.Count < MaxQueued)
            {
                _verbose.Enqueue(summary);
            }

            Write(sinks, debug: false, summary);
        }
    }

    /// <summary>One line for -Verbose: a request sent, a response with its time, a server request; null for notifications.</summary>
    private string? Summarize(bool outgoing, ReadOnlySpan<byte> line)
    {
        string? method = null;
        long? id = null;
        var isError = false;
        var hasResult = false;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "method" when reader.TokenType == JsonTokenType.String:
                        method = reader.GetString();
                        break;
                    case "id" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number):
                        id = number;
                        break;
                    case "error":
                        isError = true;
                        break;
                    case "result":
                        hasResult = true;
                        break;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return null;
        }

        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (outgoing && method is not null && id is { } requestId)
        {
            _requests[requestId] = (method, now);
            return $"request {method} (id {requestId})";
        }

        if (!outgoing && method is null && id is { } answeredId && _requests.TryRemove(answeredId, out var request))
        {
            var ms = System.Diagnostics.Stopwatch.GetElapsedTime(request.Started, now).TotalMilliseconds;
            return $"{(isError ? "error" : hasResult ? "response" : "answer")} to {request.Method} (id {answeredId}) after {ms.ToString("0.#", CultureInfo.InvariantCulture)} ms";
        }

        if (!outgoing && method is not null && id is not null)
        {
            return $"the runtime asks {method}";
        }

        return null;
    }

    /// <summary>
    /// The line with every string value of a secret-looking property (keys, tokens, passwords, authorization) and
    /// every value of environment and header tables replaced by ***. A line that is not JSON is not shown.
    /// </summary>
    public static string Redact(ReadOnlySpan<byte> line)
    {
        var buffer = new ArrayBufferWriter<byte>(line.Length + 16);
        try
        {
            var reader = new Utf8JsonReader(line);
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                // One entry per open object/array: whether everything inside is secret (env, headers).
                var secretScopes = new Stack<bool>();
                string? property = null;
                while (reader.Read())
                {
                    var insideSecret = secretScopes.Count > 0 && secretScopes.Peek();
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.PropertyName:
                            property = reader.GetString();
                            writer.WritePropertyName(property!);
                            continue;
                        case JsonTokenType.StartObject:
                            secretScopes.Push(insideSecret || (property is not null && SecretTable().IsMatch(property)));
                            writer.WriteStartObject();
                            break;
                        case JsonTokenType.StartArray:
                            secretScopes.Push(insideSecret);
                            writer.WriteStartArray();
                            break;
                        case JsonTokenType.EndObject:
                            secretScopes.Pop();
                            writer.WriteEndObject();
                            break;
                        case JsonTokenType.EndArray:
                            secretScopes.Pop();
                            writer.WriteEndArray();
                            break;
                        case JsonTokenType.String:
                            if (insideSecret || (property is not null && SecretName().IsMatch(property)))
                            {
                                writer.WriteStringValue("***");
                            }
                            else
                            {
                                writer.WriteStringValue(reader.GetString());
                            }

                            break;
                        case JsonTokenType.Number:
                            writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                            break;
                        case JsonTokenType.True:
                        case JsonTokenType.False:
                            writer.WriteBooleanValue(reader.TokenType == JsonTokenType.True);
                            break;
                        case JsonTokenType.Null:
                            writer.WriteNullValue();
                            break;
                    }

                    property = null;
                }
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return $"(a line that is not JSON, {line.Length} bytes, not shown)";
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_fileGate)
        {
            _file?.Dispose();
            _file = null;
        }
    }

    [GeneratedRegex("(?i)(api_?key|token|secret|password|passwd|authorization|credential|cookie|bearer)")]
    private static partial Regex SecretName();

    [GeneratedRegex("(?i)^(env|headers|http_headers|env_http_headers)$")]
    private static partial Regex SecretTable();

    private sealed class Listener : IDisposable
    {
        private CodexProtocolLog? _log;
        private readonly bool _debug;
        private readonly bool _verbose;

        public Listener(CodexProtocolLog log, bool debug, bool verbose)
        {
            _log = log;
            _debug = debug;
            _verbose = verbose;
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _log, null) is { } log)
            {
                if (_debug)
                {
                    Interlocked.Decrement(ref log._debugListeners);
                }

                if (_verbose)
                {
                    Interlocked.Decrement(ref log._verboseListeners);
                }

                if (Volatile.Read(ref log._debugListeners) == 0 && Volatile.Read(ref log._verboseListeners) == 0)
                {
                    // Nobody is left to show them: drop what was queued rather than show it to a later command.
                    log._debug.Clear();
                    log._verbose.Clear();
                    log._requests.Clear();
                }
            }
        }
    }
}
