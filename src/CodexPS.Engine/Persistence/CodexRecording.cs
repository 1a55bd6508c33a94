using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Persistence;

/// <summary>How a recording is laid out on disk.</summary>
public enum CodexRecordingFormat
{
    /// <summary>One JSON object per line, flushed per event: a crash loses at most the event in flight.</summary>
    Jsonl,

    /// <summary>One session document, written when the recording stops.</summary>
    Json,
}

/// <summary>Who and what a recording is of: the first line of a JSONL recording, the head of a Json one.</summary>
public sealed class CodexRecordingMetadata
{
    /// <summary>The CodexPS session (one runtime connection) the recording was made in.</summary>
    public string? SessionId { get; init; }

    /// <summary>When the recording started (UTC).</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>The conversation's working directory when the recording started.</summary>
    public string? Cwd { get; init; }

    /// <summary>The client name CodexPS gives the runtime (it is also the originator in the runtime's own rollout).</summary>
    public string? Originator { get; init; }

    /// <summary>The version the codex runtime reported.</summary>
    public string? RuntimeVersion { get; init; }

    /// <summary>The CodexPS version, as given to the runtime as the client version.</summary>
    public string? ModuleVersion { get; init; }

    /// <summary>The conversation's base or developer instructions when CodexPS knows them; null otherwise.</summary>
    public string? Instructions { get; init; }

    /// <summary>The conversation (thread) id the recording is of.</summary>
    public string? ConversationId { get; init; }

    /// <summary>The conversation's model when the recording started.</summary>
    public string? Model { get; init; }

    /// <summary>The conversation's model provider when the recording started.</summary>
    public string? ModelProvider { get; init; }

    /// <summary>The runtime's own rollout file of the conversation, when it has one.</summary>
    public string? RolloutPath { get; init; }

    internal void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteString("schema", CodexRecording.Schema);
        writer.WriteStartObject("session");
        writer.WriteString("id", SessionId);
        writer.WriteString("timestamp", Timestamp?.ToString("o", CultureInfo.InvariantCulture));
        writer.WriteString("cwd", Cwd);
        writer.WriteString("originator", Originator);
        writer.WriteString("runtimeVersion", RuntimeVersion);
        writer.WriteString("moduleVersion", ModuleVersion);
        writer.WriteString("instructions", Instructions);
        writer.WriteEndObject();
        writer.WriteStartObject("conversation");
        writer.WriteString("id", ConversationId);
        writer.WriteString("model", Model);
        writer.WriteString("modelProvider", ModelProvider);
        writer.WriteString("rolloutPath", RolloutPath);
        writer.WriteEndObject();
    }

    internal static CodexRecordingMetadata From(JsonElement head)
    {
        var session = head.Prop("session");
        var conversation = head.Prop("conversation");
        return new CodexRecordingMetadata
        {
            SessionId = session.Str("id"),
            Timestamp = DateTimeOffset.TryParse(session.Str("timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null,
            Cwd = session.Str("cwd"),
            Originator = session.Str("originator"),
            RuntimeVersion = session.Str("runtimeVersion"),
            ModuleVersion = session.Str("moduleVersion"),
            Instructions = session.Str("instructions"),
            ConversationId = conversation.Str("id"),
            Model = conversation.Str("model"),
            ModelProvider = conversation.Str("modelProvider"),
            RolloutPath = conversation.Str("rolloutPath"),
        };
    }
}

/// <summary>
/// Writes everything the runtime says about one conversation to a file, as it happens: every notification
/// (method, params, timestamp), every request it asks (approvals, questions) and the decision sent back.
/// The reader thread only queues an entry; a writer task of the recording's own serializes and writes it, so
/// the event stream never waits for the disk.
/// </summary>
public sealed class CodexRecording
{
    /// <summary>The format marker every recording carries; a reader refuses any other.</summary>
    public const string Schema = "codexps.recording/1";

    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Channel<Entry> _entries = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly CodexConversation _conversation;
    private readonly List<byte[]> _document = new();
    private readonly object _order = new();
    private readonly FileStream? _stream;
    private readonly Task _writer;
    private readonly CodexClient _client;
    private long _seq;
    private long _eventCount;
    private int _stopped;
    private Task? _stopping;

    private CodexRecording(CodexConversation conversation, string path, CodexRecordingFormat format, CodexRecordingMetadata metadata, IReadOnlyList<byte[]> earlier, bool append)
    {
        _conversation = conversation;
        Path = path;
        Format = format;
        Metadata = metadata;
        StartedAt = metadata.Timestamp ?? DateTimeOffset.UtcNow;
        _document.AddRange(earlier);
        if (format == CodexRecordingFormat.Jsonl)
        {
            _stream = PrivateFiles.Open(path, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
            if (!append)
            {
                WriteLine(_stream, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("type", "session");
                    metadata.WriteTo(w);
                    w.WriteEndObject();
                });
            }
        }

        _writer = Task.Run(WriteLoopAsync);
        _client = conversation.Client;
        _client.ConversationEvent += OnConversationEvent;
    }

    /// <summary>The recording file's full path.</summary>
    public string Path { get; }

    /// <summary>Whether entries are written as they come (Jsonl) or as one document at the end (Json).</summary>
    public CodexRecordingFormat Format { get; }

    /// <summary>The id of the conversation being recorded.</summary>
    public string ConversationId => _conversation.Id;

    /// <summary>The CodexPS session the recording was started in, from its metadata.</summary>
    public string? SessionId => Metadata.SessionId;

    /// <summary>What the recording file says about its session and conversation.</summary>
    public CodexRecordingMetadata Metadata { get; }

    /// <summary>When this recording started (UTC).</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>When the stopped recording finished writing its file (UTC); null until then.</summary>
    public DateTimeOffset? StoppedAt { get; private set; }

    /// <summary>Entries (events, requests, decisions) recorded so far.</summary>
    public long EventCount => Interlocked.Read(ref _eventCount);

    /// <summary>True until the recording is stopped (StopAsync, or its conversation removed); a write failure shows in Error instead.</summary>
    public bool IsRecording => Volatile.Read(ref _stopped) == 0;

    /// <summary>Why writing failed, when it did; the recording then stops taking events.</summary>
    public string? Error { get; private set; }

    /// <inheritdoc/>
    public override string ToString() => Path;

    /// <summary>
    /// Starts recording a conversation to a file (the path is used as given: expand templates first). A file that
    /// already holds a recording of the same conversation is continued; any other existing file is refused with
    /// CodexRecordingPathExists, and a second recording to the same file with CodexRecordingInProgress.
    /// </summary>
    public static CodexRecording Start(CodexConversation conversation, string path, CodexRecordingFormat format)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var full = System.IO.Path.GetFullPath(path);
        if (Find(conversation, full) is not null)
        {
            throw new CodexException("CodexRecordingInProgress", $"Conversation {conversation.Id} is already being recorded to '{full}'.");
        }

        var earlier = new List<byte[]>();
        var append = false;
        if (File.Exists(full) && new FileInfo(full).Length > 0)
        {
            CodexSessionFile existing;
            try
            {
                existing = CodexSessionFile.Read(full, strict: false);
            }
            catch (CodexSessionFileException ex)
            {
                throw new CodexException("CodexRecordingPathExists", $"'{full}' exists and is not a recording CodexPS can continue ({ex.Message}); choose another path.", ex);
            }

            if (existing.Kind != CodexSessionFileKind.Recording || existing.ConversationId != conversation.Id || existing.Format != format)
            {
                throw new CodexException("CodexRecordingPathExists",
                    $"'{full}' exists and holds {(existing.Kind == CodexSessionFileKind.Recording ? $"a {existing.Format} recording of conversation {existing.ConversationId}" : "a codex rollout")}; choose another path.");
            }

            append = true;
            if (format == CodexRecordingFormat.Json)
            {
                earlier.AddRange(existing.Entries.Select(e => System.Text.Encoding.UTF8.GetBytes(e.GetRawText())));
            }
        }
        else
        {
            PrivateFiles.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        }

        var client = conversation.Client;
        var metadata = new CodexRecordingMetadata
        {
            SessionId = client.SessionId,
            Timestamp = DateTimeOffset.UtcNow,
            Cwd = conversation.WorkingDirectory,
            Originator = client.Options.ClientName,
            RuntimeVersion = client.RuntimeVersion,
            ModuleVersion = client.Options.ClientVersion,
            Instructions = null,
            ConversationId = conversation.Id,
            Model = conversation.Model,
            ModelProvider = conversation.ModelProvider,
            RolloutPath = conversation.Path,
        };

        CodexRecording recording;
        try
        {
            recording = new CodexRecording(conversation, full, format, metadata, earlier, append);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CodexException("CodexRecordingFailed", $"Cannot write the recording '{full}': {ex.Message}", ex);
        }

        CodexRecording[] current, next;
        do
        {
            current = Volatile.Read(ref conversation.RecordingTargets);
            next = current.Append(recording).ToArray();
        }
        while (Interlocked.CompareExchange(ref conversation.RecordingTargets, next, current) != current);
        return recording;
    }

    /// <summary>The running recording of a conversation to this file, if there is one.</summary>
    public static CodexRecording? Find(CodexConversation conversation, string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return Volatile.Read(ref conversation.RecordingTargets).FirstOrDefault(r => string.Equals(r.Path, full, comparison));
    }

    /// <summary>Stops every recording of these conversations (the runtime or the conversation goes away).</summary>
    public static async Task StopAllAsync(IEnumerable<CodexConversation> conversations)
    {
        foreach (var conversation in conversations)
        {
            foreach (var recording in Volatile.Read(ref conversation.RecordingTargets))
            {
                await recording.StopAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A sink of the conversation's event pipeline, on the reader thread: each event as the engine plugins passed it
    /// on. An approval request is written as a request, and its decision is written when it is answered (the request
    /// tells the recording), before the runtime hears the answer.
    /// </summary>
    internal void Observe(CodexEvent evt, string? turnId)
    {
        if (Volatile.Read(ref _stopped) != 0)
        {
            return;
        }

        var request = (evt as ApprovalRequestedEvent)?.Request;
        var entry = new Entry(request is null ? EntryKind.Event : EntryKind.Request, evt.Method, evt.Params, evt.Timestamp, turnId ?? evt.TurnId);
        Add(entry);
        request?.OnAnswered(answered => Add(new Entry(EntryKind.Decision, null, default, DateTimeOffset.UtcNow, answered.TurnId)
        {
            RequestSeq = entry.Seq,
            Decision = answered.Decision,
            DecidedBy = answered.DecidedBy,
        }));
    }

    /// <summary>Stops taking events, writes what is queued (the whole document for Json) and closes the file.</summary>
    public Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            CodexRecording[] current, next;
            do
            {
                current = Volatile.Read(ref _conversation.RecordingTargets);
                next = current.Where(r => r != this).ToArray();
            }
            while (Interlocked.CompareExchange(ref _conversation.RecordingTargets, next, current) != current);

            _client.ConversationEvent -= OnConversationEvent;
            _entries.Writer.TryComplete();
            _stopping = FinishAsync();
        }

        return _stopping ?? Task.CompletedTask;
    }

    /// <summary>An archived or deleted conversation says nothing more: its recording ends (and a Json one is written).</summary>
    private void OnConversationEvent(object? sender, CodexConversationEventArgs e)
    {
        if (e.Kind == CodexConversationEventKind.ConversationRemoved && e.ConversationId == _conversation.Id)
        {
            _ = StopAsync();
        }
    }

    private void Add(Entry entry)
    {
        if (Volatile.Read(ref _stopped) != 0)
        {
            return;
        }

        // Decisions arrive from the thread that answers, events from the reader: numbered and queued in one order.
        lock (_order)
        {
            entry.Seq = ++_seq;
            _entries.Writer.TryWrite(entry);
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _entries.Reader;
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var json = new Utf8JsonWriter(buffer, WriterOptions);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var entry))
            {
                if (Error is not null)
                {
                    continue;
                }

                try
                {
                    buffer.Clear();
                    json.Reset(buffer);
                    entry.WriteTo(json);
#pragma warning disable VSTHRD103 // The writer's target is an in-memory buffer: this Flush does no I/O.
                    json.Flush();
#pragma warning restore VSTHRD103
                    if (_stream is not null)
                    {
                        // One unbuffered write per event, newline included: each line reaches the OS whole, at once.
                        buffer.GetSpan(1)[0] = (byte)'\n';
                        buffer.Advance(1);
                        _stream.Write(buffer.WrittenSpan);
                    }
                    else
                    {
                        _document.Add(buffer.WrittenSpan.ToArray());
                    }

                    Interlocked.Increment(ref _eventCount);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
                {
                    Fail(ex);
                }
            }

            // A fast stream would otherwise wake this task once per event; a millisecond gathers the next ones.
            if (!reader.Completion.IsCompleted)
            {
                await Task.Delay(1).ConfigureAwait(false);
            }
        }
    }

    private async Task FinishAsync()
    {
        await _writer.ConfigureAwait(false);
        try
        {
            if (_stream is not null)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
            else if (Error is null)
            {
                WriteDocument();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Fail(ex);
        }

        StoppedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>The Json format: the metadata and every entry in one document, written to a temporary file and moved into place.</summary>
    private void WriteDocument()
    {
        var temporary = Path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        using (var file = PrivateFiles.Open(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Encoder = WriterOptions.Encoder, Indented = true });
            json.WriteStartObject();
            Metadata.WriteTo(json);
            json.WriteStartArray("events");
            foreach (var entry in _document)
            {
                json.WriteRawValue(entry, skipInputValidation: true);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.Flush();
            file.WriteByte((byte)'\n');
        }

        File.Move(temporary, Path, overwrite: true);
    }

    private void Fail(Exception ex)
    {
        Error ??= ex.Message;
        _conversation.Client.AddWarning($"Recording of conversation {_conversation.Id} to '{Path}' failed and stopped: {ex.Message}");
    }

    private static void WriteLine(Stream stream, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(json);
        }

        stream.Write(buffer.WrittenSpan);
        stream.WriteByte((byte)'\n');
        stream.Flush();
    }

    private enum EntryKind
    {
        Event,
        Request,
        Decision,
    }

    private sealed class Entry
    {
        public Entry(EntryKind kind, string? method, JsonElement parameters, DateTimeOffset timestamp, string? turnId)
        {
            Kind = kind;
            Method = method;
            Params = parameters;
            Timestamp = timestamp;
            TurnId = turnId;
        }

        public EntryKind Kind { get; }

        public string? Method { get; }

        public JsonElement Params { get; }

        public DateTimeOffset Timestamp { get; }

        public string? TurnId { get; }

        public long Seq { get; set; }

        public long RequestSeq { get; init; }

        public CodexApprovalDecision? Decision { get; init; }

        public string? DecidedBy { get; init; }

        public void WriteTo(Utf8JsonWriter json)
        {
            json.WriteStartObject();
            json.WriteString("type", Kind switch { EntryKind.Request => "request", EntryKind.Decision => "decision", _ => "event" });
            json.WriteNumber("seq", Seq);
            json.WriteString("timestamp", Timestamp.ToString("o", CultureInfo.InvariantCulture));
            if (TurnId is not null)
            {
                json.WriteString("turnId", TurnId);
            }

            if (Kind == EntryKind.Decision)
            {
                json.WriteNumber("request", RequestSeq);
                json.WriteString("decision", Decision.ToString());
                json.WriteString("decidedBy", DecidedBy);
            }
            else
            {
                json.WriteString("method", Method);
                json.WritePropertyName("params");
                if (Params.ValueKind == JsonValueKind.Undefined)
                {
                    json.WriteNullValue();
                }
                else
                {
                    Params.WriteTo(json);
                }
            }

            json.WriteEndObject();
        }
    }
}
