using System.Buffers;
using System.Globalization;
using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Plugins;

/// <summary>
/// Appends one JSON line per event to a file: time, kind, method, conversation, turn and a one-line summary.
/// The file is opened when the plugin is registered and closed when it is cleaned up; each line is written
/// whole, at once, so other readers (Get-Content -Wait) never see half a line.
/// </summary>
public sealed class AuditLogPlugin : ICodexPlugin
{
    private readonly object _gate = new();
    private FileStream? _stream;

    /// <summary>Logs to this file (created, with its folder, when missing; appended to otherwise).</summary>
    public AuditLogPlugin(string path, string name = "AuditLog")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        Name = string.IsNullOrWhiteSpace(name) ? "AuditLog" : name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>Lines written so far.</summary>
    public long LineCount { get; private set; }

    /// <summary>Opens the log file for appending, creating it and its folder when missing.</summary>
    public void Initialize(CodexPluginContext context)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        lock (_gate)
        {
            _stream ??= new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        }
    }

    /// <summary>Writes the event's line to the log and passes the event on unchanged; throws once the log is closed.</summary>
    public CodexEvent? OnEvent(CodexEvent evt)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, Persistence.CodexRecording.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("time", evt.Timestamp.ToString("o", CultureInfo.InvariantCulture));
            json.WriteString("kind", evt.Kind.ToString());
            json.WriteString("method", evt.Method);
            json.WriteString("conversation", evt.ConversationId);
            json.WriteString("turn", evt.TurnId);
            json.WriteString("summary", evt.Summary);
            json.WriteEndObject();
        }

        buffer.GetSpan(1)[0] = (byte)'\n';
        buffer.Advance(1);
        lock (_gate)
        {
            var stream = _stream ?? throw new ObjectDisposedException(nameof(AuditLogPlugin), "The audit log is closed.");
            stream.Write(buffer.WrittenSpan);
            LineCount++;
        }

        return evt;
    }

    /// <summary>Closes the log file.</summary>
    public void Cleanup()
    {
        lock (_gate)
        {
            _stream?.Dispose();
            _stream = null;
        }
    }
}
