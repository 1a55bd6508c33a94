using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Persistence;

/// <summary>
/// A conversation packed to travel (Export-CodexConversation): a zip with the runtime's rollout file (the history the
/// runtime resumes from), the CodexPS recordings of it if any, and manifest.json (ids, versions, when it was made).
/// Resume-CodexConversation -Path x.zip imports the rollout into the resuming runtime's CODEX_HOME.
/// </summary>
public sealed class CodexConversationBundle
{
    /// <summary>The manifest's schema marker.</summary>
    public const string Schema = "codexps.conversation-bundle/1";

    private const string ManifestEntry = "manifest.json";
    private const string RolloutFolder = "rollout/";
    private const string RecordingFolder = "recordings/";

    private CodexConversationBundle(string path, string conversationId, string rolloutEntry, IReadOnlyList<string> recordingEntries,
        string? runtimeVersion, string? moduleVersion, DateTimeOffset? created, string? workingDirectory, string? modelProvider)
    {
        Path = path;
        ConversationId = conversationId;
        RolloutEntry = rolloutEntry;
        RecordingEntries = recordingEntries;
        RuntimeVersion = runtimeVersion;
        ModuleVersion = moduleVersion;
        Created = created;
        WorkingDirectory = workingDirectory;
        ModelProvider = modelProvider;
    }

    /// <summary>The zip file.</summary>
    public string Path { get; }

    /// <summary>The conversation (thread) id.</summary>
    public string ConversationId { get; }

    /// <summary>The rollout's entry in the zip (rollout/rollout-...jsonl).</summary>
    public string RolloutEntry { get; }

    /// <summary>The recordings' entries in the zip (recordings/...); empty when none was packed.</summary>
    public IReadOnlyList<string> RecordingEntries { get; }

    /// <summary>The runtime version that wrote the rollout (its session_meta cli_version, or the exporting runtime's); null when unknown.</summary>
    public string? RuntimeVersion { get; }

    /// <summary>The CodexPS version that made the bundle.</summary>
    public string? ModuleVersion { get; }

    /// <summary>When the bundle was made (UTC).</summary>
    public DateTimeOffset? Created { get; }

    /// <summary>The conversation's working directory on the machine that made it; null when the rollout names none.</summary>
    public string? WorkingDirectory { get; }

    /// <summary>The model provider id the rollout names; null when it names none.</summary>
    public string? ModelProvider { get; }

    /// <inheritdoc/>
    public override string ToString() => Path;

    /// <summary>
    /// Packs a rollout (and recordings) into a new zip, written beside the target and moved into place when whole.
    /// The rollout must be the conversation's: its session_meta names the same id.
    /// </summary>
    public static CodexConversationBundle Write(string zipPath, string conversationId, string rolloutFile, IReadOnlyList<string> recordings,
        string? runtimeVersion, string? moduleVersion, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(zipPath);
        ArgumentNullException.ThrowIfNull(rolloutFile);
        var full = System.IO.Path.GetFullPath(zipPath);
        var head = ReadRolloutHead(rolloutFile, conversationId, "CodexRolloutNotFound");
        if (!overwrite && File.Exists(full))
        {
            throw new CodexException("CodexExportPathExists", $"'{full}' exists; give -Force to replace it.");
        }

        var created = DateTimeOffset.UtcNow;
        var rolloutEntry = RolloutFolder + System.IO.Path.GetFileName(rolloutFile);
        var recordingEntries = new List<string>();
        foreach (var recording in recordings)
        {
            var name = RecordingFolder + System.IO.Path.GetFileName(recording);
            for (var n = 2; recordingEntries.Contains(name, StringComparer.Ordinal); n++)
            {
                name = RecordingFolder + System.IO.Path.GetFileNameWithoutExtension(recording) + "-" + n.ToString(CultureInfo.InvariantCulture) + System.IO.Path.GetExtension(recording);
            }

            recordingEntries.Add(name);
        }

        var bundle = new CodexConversationBundle(full, conversationId, rolloutEntry, recordingEntries,
            head.Str("cli_version") ?? runtimeVersion, moduleVersion, created, head.Str("cwd"), head.Str("model_provider"));
        PrivateFiles.CreateParent(full);
        var partial = full + ".partial-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var stream = PrivateFiles.Open(partial, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
            using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
            {
                // The rollout and a running recording may be appended to meanwhile; the copy is what was written so far.
                Add(zip, rolloutEntry, rolloutFile);
                for (var i = 0; i < recordings.Count; i++)
                {
                    Add(zip, recordingEntries[i], recordings[i]);
                }

                using var manifest = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open();
                using var writer = new Utf8JsonWriter(manifest, new JsonWriterOptions { Indented = true });
                bundle.WriteManifest(writer);
            }

            File.Move(partial, full, overwrite);
        }
        finally
        {
            if (File.Exists(partial))
            {
                File.Delete(partial);
            }
        }

        return bundle;
    }

    /// <summary>Whether a file is a zip (by its first bytes, whatever its name).</summary>
    public static bool IsBundle(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[4];
            return stream.Read(magic) == 4 && magic.SequenceEqual("PK\u0003\u0004"u8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Opens and checks a bundle: a manifest of this schema, and a rollout of the conversation it names. Throws CodexSessionFileException (CodexBundleInvalid).</summary>
    public static CodexConversationBundle Read(string zipPath)
    {
        var full = System.IO.Path.GetFullPath(zipPath);
        try
        {
            using var zip = ZipFile.OpenRead(full);
            var manifestEntry = zip.GetEntry(ManifestEntry) ?? throw Invalid(full, $"'{full}' is a zip without {ManifestEntry}; it was not made by Export-CodexConversation.");
            JsonElement manifest;
            using (var stream = manifestEntry.Open())
            {
                manifest = JsonDocument.Parse(stream).RootElement.Clone();
            }

            if (manifest.ValueKind != JsonValueKind.Object || manifest.Str("schema") != Schema)
            {
                throw Invalid(full, $"{ManifestEntry} in '{full}' is not of the schema {Schema}.");
            }

            var id = manifest.Str("conversationId");
            var rollout = manifest.Str("rollout");
            if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(rollout) || zip.GetEntry(rollout) is not { } rolloutEntry)
            {
                throw Invalid(full, $"{ManifestEntry} in '{full}' names no conversation, or a rollout the zip does not hold.");
            }

            using (var stream = rolloutEntry.Open())
            using (var reader = new StreamReader(stream))
            {
                var first = reader.ReadLine();
                var head = first is null ? default : JsonDocument.Parse(first).RootElement;
                if (head.ValueKind != JsonValueKind.Object || head.Str("type") != "session_meta" || head.Prop("payload").Str("id") != id)
                {
                    throw Invalid(full, $"The rollout {rollout} in '{full}' is not the rollout of conversation {id} (its first line is not that thread's session_meta).");
                }
            }

            var recordings = manifest.Array("recordings").Select(r => r.ValueKind == JsonValueKind.String ? r.GetString() : null).OfType<string>().ToArray();
            var created = manifest.Str("created") is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when) ? when : (DateTimeOffset?)null;
            return new CodexConversationBundle(full, id, rollout, recordings, manifest.Str("runtimeVersion"), manifest.Str("moduleVersion"), created,
                manifest.Str("workingDirectory"), manifest.Str("modelProvider"));
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException)
        {
            throw Invalid(full, $"'{full}' is not a readable conversation bundle: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CodexSessionFileException("CodexResumeFileUnreadable", full, null, $"The bundle '{full}' cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Copies the bundle's rollout into a CODEX_HOME's sessions folder (see <see cref="CodexRolloutImport"/>); returns the file written.
    /// </summary>
    public string ImportRollout(string codexHome)
    {
        using var zip = ZipFile.OpenRead(Path);
        var entry = zip.GetEntry(RolloutEntry) ?? throw Invalid(Path, $"The rollout {RolloutEntry} is missing from '{Path}'.");
        using var stream = entry.Open();
        return CodexRolloutImport.Import(codexHome, System.IO.Path.GetFileName(RolloutEntry), stream, Created);
    }

    private void WriteManifest(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("schema", Schema);
        writer.WriteString("conversationId", ConversationId);
        writer.WriteString("rollout", RolloutEntry);
        writer.WriteStartArray("recordings");
        foreach (var recording in RecordingEntries)
        {
            writer.WriteStringValue(recording);
        }

        writer.WriteEndArray();
        writer.WriteString("runtimeVersion", RuntimeVersion);
        writer.WriteString("moduleVersion", ModuleVersion);
        writer.WriteString("created", Created?.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
        writer.WriteString("workingDirectory", WorkingDirectory);
        writer.WriteString("modelProvider", ModelProvider);
        writer.WriteEndObject();
    }

    private static void Add(ZipArchive zip, string entryName, string file)
    {
        var entry = zip.CreateEntry(entryName, CompressionLevel.Optimal);
        entry.LastWriteTime = File.GetLastWriteTime(file);
        using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var target = entry.Open();
        source.CopyTo(target);
    }

    /// <summary>The session_meta payload of a rollout of the given thread; throws with errorId when it is missing or another thread's.</summary>
    public static JsonElement ReadRolloutHead(string rolloutFile, string conversationId, string errorId)
    {
        string? first;
        try
        {
            using var stream = new FileStream(rolloutFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            first = reader.ReadLine();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CodexException(errorId, $"The rollout file '{rolloutFile}' of conversation {conversationId} does not exist.", ex);
        }

        try
        {
            var head = first is null ? default : JsonDocument.Parse(first).RootElement.Clone();
            if (head.ValueKind == JsonValueKind.Object && head.Str("type") == "session_meta" && head.Prop("payload") is { ValueKind: JsonValueKind.Object } payload
                && payload.Str("id") == conversationId)
            {
                return payload;
            }
        }
        catch (JsonException)
        {
            // Reported below like any other first line that is not this thread's session_meta.
        }

        throw new CodexException(errorId, $"'{rolloutFile}' is not the rollout of conversation {conversationId}: its first line is not that thread's session_meta.");
    }

    private static CodexSessionFileException Invalid(string path, string message, Exception? inner = null) =>
        new("CodexBundleInvalid", path, null, message, inner);
}
