using System.Text.Json;
using System.Text.Json.Serialization;

namespace CodexPS.Engine.Runtime.Drift;

/// <summary>
/// Verdicts per runtime binary, in one small per-user JSON file beside Install-CodexRuntime's installs, so a binary's
/// schema is generated once, not at every start. A binary is the same binary while its path, size, last write time and
/// version are, and only for the build of CodexPS that judged it (the embedded surface's fingerprint).
/// </summary>
public sealed class CodexRuntimeDriftCache
{
    private const int MaxEntries = 64;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>A cache in <paramref name="path"/>; with null, nothing is remembered.</summary>
    public CodexRuntimeDriftCache(string? path) => FilePath = path;

    /// <summary>The cache file; null when there is none (no per-user data folder).</summary>
    public string? FilePath { get; }

    /// <summary>The key of a binary as it is on disk now; null when it cannot be read.</summary>
    public static string? KeyOf(string binary, string version, string fingerprint)
    {
        try
        {
            var info = new FileInfo(binary);
            return info.Exists
                ? string.Join('|', info.FullName, info.Length, info.LastWriteTimeUtc.Ticks, version, fingerprint)
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The verdict remembered for <paramref name="key"/>, or null.</summary>
    public CodexRuntimeDriftVerdict? Find(string key)
    {
        var entry = Read().FirstOrDefault(e => e.Key == key);
        return entry is null ? null : entry.ToVerdict() with { FromCache = true };
    }

    /// <summary>Remembers a verdict; a cache that cannot be written is only a cache (the next start judges again).</summary>
    public void Store(string key, CodexRuntimeDriftVerdict verdict)
    {
        if (FilePath is null)
        {
            return;
        }

        var entries = Read().Where(e => e.Key != key).Prepend(Entry.From(key, verdict)).Take(MaxEntries).ToList();
        var temporary = FilePath + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            PrivateFiles.CreateParent(FilePath);
            File.WriteAllText(temporary, JsonSerializer.Serialize(entries, JsonOptions));
            File.Move(temporary, FilePath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception inner) when (inner is IOException or UnauthorizedAccessException)
            {
                // Nothing more to do for a folder we cannot write.
            }
        }
    }

    private List<Entry> Read()
    {
        try
        {
            return FilePath is not null && File.Exists(FilePath)
                ? JsonSerializer.Deserialize<List<Entry>>(File.ReadAllText(FilePath), JsonOptions)?.Where(e => e?.Key is not null).ToList() ?? new List<Entry>()
                : new List<Entry>();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            // A damaged cache is an empty one; it is rewritten with the next verdict.
            return new List<Entry>();
        }
    }

    /// <summary>One remembered verdict as it is stored.</summary>
    private sealed class Entry
    {
        public string Key { get; set; } = string.Empty;
        public string Version { get; set; } = string.Empty;
        public CodexRuntimeDriftStatus Status { get; set; }
        public string? Reason { get; set; }
        public List<string>? MethodsRemoved { get; set; }
        public List<string>? MethodsAdded { get; set; }
        public List<CodexProtocolTypeChange>? TypesChanged { get; set; }
        public DateTimeOffset CheckedAt { get; set; }

        public static Entry From(string key, CodexRuntimeDriftVerdict verdict) => new()
        {
            Key = key,
            Version = verdict.Version,
            Status = verdict.Status,
            Reason = verdict.Reason,
            MethodsRemoved = verdict.Drift?.MethodsRemoved.ToList(),
            MethodsAdded = verdict.Drift?.MethodsAdded.ToList(),
            TypesChanged = verdict.Drift?.TypesChanged.ToList(),
            CheckedAt = DateTimeOffset.UtcNow,
        };

        public CodexRuntimeDriftVerdict ToVerdict() => new()
        {
            Version = Version,
            Status = Status,
            Reason = Reason,
            Drift = Status == CodexRuntimeDriftStatus.Drift
                ? new CodexProtocolDrift(
                    MethodsRemoved ?? new List<string>(),
                    MethodsAdded ?? new List<string>(),
                    TypesChanged?.Select(t => new CodexProtocolTypeChange(t.Type, t.Change, t.Fields ?? Array.Empty<string>())).ToList() ?? new List<CodexProtocolTypeChange>())
                : null,
        };
    }
}
