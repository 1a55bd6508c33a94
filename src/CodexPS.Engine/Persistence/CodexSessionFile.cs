using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Persistence;

/// <summary>Which kind of session file was read.</summary>
public enum CodexSessionFileKind
{
    /// <summary>The runtime's own rollout (CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl), first line session_meta.</summary>
    Rollout,

    /// <summary>A CodexPS recording (Start-CodexRecording, -RecordTo).</summary>
    Recording,
}

/// <summary>A session file that cannot be used; ErrorId says why, Path and LineNumber say where.</summary>
public sealed class CodexSessionFileException : CodexException
{
    /// <summary>Reports an unusable session file under errorId; lineNumber is null when the whole file is at fault.</summary>
    public CodexSessionFileException(string errorId, string path, int? lineNumber, string message, Exception? inner = null)
        : base(errorId, message, inner)
    {
        Path = path;
        LineNumber = lineNumber;
    }

    /// <summary>The full path of the file at fault.</summary>
    public string Path { get; }

    /// <summary>1-based; null when the problem is the file as a whole.</summary>
    public int? LineNumber { get; }
}

/// <summary>
/// A rollout or recording read and checked before anything is sent: the file exists and is not empty, every
/// line is a JSON object, the first line is a format CodexPS knows and names a conversation. A cut-short last
/// line (a crash while writing) is dropped and kept in <see cref="Problems"/>; with strict it is an error.
/// </summary>
public sealed class CodexSessionFile
{
    private CodexSessionFile(string path, CodexSessionFileKind kind, CodexRecordingFormat? format, string conversationId,
        CodexRecordingMetadata? metadata, int lineCount, IReadOnlyList<JsonElement> entries, IReadOnlyList<CodexSessionFileException> problems)
    {
        Path = path;
        Kind = kind;
        Format = format;
        ConversationId = conversationId;
        Metadata = metadata;
        LineCount = lineCount;
        Entries = entries;
        Problems = problems;
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>Whether the file is a runtime rollout or a CodexPS recording.</summary>
    public CodexSessionFileKind Kind { get; }

    /// <summary>Jsonl or Json for recordings; null for rollouts.</summary>
    public CodexRecordingFormat? Format { get; }

    /// <summary>The thread the file is of: session_meta.payload.id of a rollout, conversation.id of a recording.</summary>
    public string ConversationId { get; }

    /// <summary>A recording's metadata; null for rollouts.</summary>
    public CodexRecordingMetadata? Metadata { get; }

    /// <summary>How many lines the file holds.</summary>
    public int LineCount { get; }

    /// <summary>What was dropped and reported instead of refused (a truncated last line).</summary>
    public IReadOnlyList<CodexSessionFileException> Problems { get; }

    /// <summary>A recording's entries (events, requests, decisions) in order; empty for rollouts.</summary>
    internal IReadOnlyList<JsonElement> Entries { get; }

    /// <summary>Reads and checks a file; throws CodexSessionFileException (ErrorId CodexResume...) for what cannot be used.</summary>
    public static CodexSessionFile Read(string path, bool strict)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new CodexSessionFileException("CodexResumeFileNotFound", full, null, $"The session file '{full}' does not exist.");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CodexSessionFileException("CodexResumeFileUnreadable", full, null, $"The session file '{full}' cannot be read: {ex.Message}", ex);
        }

        var lines = SplitLines(bytes);
        if (lines.Count == 0)
        {
            throw new CodexSessionFileException("CodexResumeFileEmpty", full, null, $"The session file '{full}' is empty.");
        }

        // A Json recording is one document over many lines: its first line alone is an unfinished value.
        if (lines.Count > 1 && Check(bytes.AsSpan(lines[0].Start, lines[0].Length)) == LineState.Unfinished)
        {
            return ReadDocument(full, bytes);
        }

        var problems = new List<CodexSessionFileException>();
        var documents = new List<JsonElement>(lines.Count);
        var lastLine = lines[^1].Number;
        foreach (var (start, length, number) in lines)
        {
            var span = bytes.AsSpan(start, length);
            switch (Check(span))
            {
                case LineState.Complete:
                    break;
                case LineState.Unfinished when number == lastLine:
                    var truncated = new CodexSessionFileException("CodexResumeLineTruncated", full, number,
                        $"Line {number} of '{full}' is cut short (the writer stopped mid-line); " +
                        (strict ? "-Strict refuses the file." : number == lines[0].Number ? "nothing before it can be read." : "it was skipped and the lines before it are used."));
                    if (strict || number == lines[0].Number)
                    {
                        throw truncated;
                    }

                    problems.Add(truncated);
                    continue;
                case LineState.Unfinished:
                    throw new CodexSessionFileException("CodexResumeLineInvalid", full, number, $"Line {number} of '{full}' is cut short in the middle of the file.");
                case LineState.NotObject:
                    throw new CodexSessionFileException("CodexResumeLineInvalid", full, number, $"Line {number} of '{full}' is JSON but not a JSON object.");
                default:
                    throw new CodexSessionFileException("CodexResumeLineInvalid", full, number, $"Line {number} of '{full}' is not JSON: {Excerpt(span)}");
            }

            // A rollout needs only its first line; a recording's entries are kept for replay.
            if (number == lines[0].Number || documents[0].Prop("schema").ValueKind != JsonValueKind.Undefined)
            {
                documents.Add(JsonDocument.Parse(bytes.AsMemory(start, length)).RootElement);
            }
        }

        var head = documents[0];
        if (head.Str("type") == "session_meta" && head.Prop("payload").Str("id") is { } threadId && head.Prop("schema").ValueKind == JsonValueKind.Undefined)
        {
            return new CodexSessionFile(full, CodexSessionFileKind.Rollout, null, threadId, null, lines.Count, Array.Empty<JsonElement>(), problems);
        }

        if (lines.Count == 1 && head.Prop("events").ValueKind == JsonValueKind.Array)
        {
            // A Json recording written on one line.
            return ReadDocument(full, bytes);
        }

        var (metadata, conversationId) = CheckHead(full, head, lines[0].Number, "type", "session");
        return new CodexSessionFile(full, CodexSessionFileKind.Recording, CodexRecordingFormat.Jsonl, conversationId, metadata, lines.Count, documents.Skip(1).ToArray(), problems);
    }

    private static CodexSessionFile ReadDocument(string full, byte[] bytes)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(bytes).RootElement;
        }
        catch (JsonException ex)
        {
            var line = (int)(ex.LineNumber ?? 0) + 1;
            if (Check(bytes) == LineState.Unfinished)
            {
                throw new CodexSessionFileException("CodexResumeLineTruncated", full, line,
                    $"The Json recording '{full}' is cut short at line {line}; a Json recording is one document, so nothing in it can be read.", ex);
            }

            throw new CodexSessionFileException("CodexResumeLineInvalid", full, line, $"Line {line} of '{full}' is not valid JSON: {ex.Message}", ex);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new CodexSessionFileException("CodexResumeLineInvalid", full, 1, $"'{full}' is JSON but not a JSON object.");
        }

        var (metadata, conversationId) = CheckHead(full, root, 1, null, null);
        if (root.Prop("events").ValueKind != JsonValueKind.Array)
        {
            throw new CodexSessionFileException("CodexResumeSchemaUnknown", full, 1, $"The Json recording '{full}' has no events array.");
        }

        var lineCount = bytes.Count(b => b == (byte)'\n');
        return new CodexSessionFile(full, CodexSessionFileKind.Recording, CodexRecordingFormat.Json, conversationId, metadata,
            lineCount, root.Prop("events").EnumerateArray().ToArray(), Array.Empty<CodexSessionFileException>());
    }

    private static (CodexRecordingMetadata Metadata, string ConversationId) CheckHead(string full, JsonElement head, int line, string? typeName, string? typeValue)
    {
        var schema = head.Str("schema");
        if (schema != CodexRecording.Schema || (typeName is not null && head.Str(typeName) != typeValue))
        {
            var what = schema is not null ? $"the schema '{schema}'"
                : head.Str("type") is { } type ? $"a first line of type '{type}'"
                : "no schema marker";
            throw new CodexSessionFileException("CodexResumeSchemaUnknown", full, line,
                $"Line {line} of '{full}' has {what}; CodexPS reads codex rollouts (first line session_meta) and its own recordings ({CodexRecording.Schema}).");
        }

        var metadata = CodexRecordingMetadata.From(head);
        if (metadata.ConversationId is not { Length: > 0 } conversationId)
        {
            throw new CodexSessionFileException("CodexResumeSchemaUnknown", full, line, $"Line {line} of '{full}' is a recording header that names no conversation.");
        }

        return (metadata, conversationId);
    }

    private enum LineState
    {
        Complete,
        Unfinished,
        NotObject,
        Invalid,
    }

    /// <summary>Whether the bytes are one whole JSON object, a valid start of one that stops early, or not JSON.</summary>
    private static LineState Check(ReadOnlySpan<byte> span)
    {
        if (span.IsEmpty || span[0] != (byte)'{')
        {
            // Only an object can be unfinished here: anything else is either whole (and not an object) or not JSON.
            try
            {
                var whole = new Utf8JsonReader(span, isFinalBlock: true, state: default);
                return whole.Read() && whole.TrySkip() && whole.BytesConsumed == span.Length ? LineState.NotObject : LineState.Invalid;
            }
            catch (JsonException)
            {
                return LineState.Invalid;
            }
        }

        try
        {
            var reader = new Utf8JsonReader(span, isFinalBlock: false, state: default);
            if (!reader.Read() || !reader.TrySkip())
            {
                return LineState.Unfinished;
            }

            var rest = span[(int)reader.BytesConsumed..].Trim(" \t\r"u8);
            return rest.IsEmpty ? LineState.Complete : LineState.Invalid;
        }
        catch (JsonException)
        {
            return LineState.Invalid;
        }
    }

    private static List<(int Start, int Length, int Number)> SplitLines(byte[] bytes)
    {
        var lines = new List<(int, int, int)>();
        var start = 0;
        var number = 0;
        var content = bytes.AsSpan();
        if (content.StartsWith("\uFEFF"u8))
        {
            start = 3;
        }

        while (start <= bytes.Length)
        {
            number++;
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            var stop = end < 0 ? bytes.Length : end;
            var raw = content[start..stop];
            var line = raw.Trim(" \t\r"u8);
            if (!line.IsEmpty)
            {
                lines.Add((start + raw.Length - raw.TrimStart(" \t\r"u8).Length, line.Length, number));
            }

            if (end < 0)
            {
                break;
            }

            start = end + 1;
        }

        return lines;
    }

    private static string Excerpt(ReadOnlySpan<byte> span)
    {
        var text = System.Text.Encoding.UTF8.GetString(span.Length > 80 ? span[..80] : span);
        return span.Length > 80 ? text + "..." : text;
    }
}
