using System.Security.Cryptography;
using System.Text.Json;

namespace CodexPS.Engine.Runtime.Install;

/// <summary>
/// The sha512 integrity of each platform package, version → platform → "sha512-&lt;base64&gt;", as build.ps1 copies it
/// from native/package-lock.json into runtime-integrity.json beside the module. It is what a download of the pinned
/// runtime must match: recorded when the module was built, so neither the registry nor the network can change it.
/// </summary>
public sealed class CodexRuntimeIntegrityTable
{
    /// <summary>The file build.ps1 writes beside the module.</summary>
    public const string FileName = "runtime-integrity.json";

    private readonly Dictionary<string, Dictionary<string, string>> _entries;

    /// <summary>A table of the given entries (version → platform → integrity).</summary>
    public CodexRuntimeIntegrityTable(IDictionary<string, IDictionary<string, string>> entries)
    {
        _entries = entries.ToDictionary(
            v => v.Key,
            v => v.Value.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase),
            StringComparer.Ordinal);
    }

    /// <summary>A table with no entries: every version then needs the registry's own integrity.</summary>
    public static CodexRuntimeIntegrityTable Empty { get; } = new(new Dictionary<string, IDictionary<string, string>>());

    /// <summary>The versions the table has integrities for.</summary>
    public IReadOnlyCollection<string> Versions => _entries.Keys;

    /// <summary>Reads a runtime-integrity.json; a missing file gives the empty table, a malformed one throws JsonException.</summary>
    public static CodexRuntimeIntegrityTable Load(string path)
    {
        if (!File.Exists(path))
        {
            return Empty;
        }

        var parsed = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(File.ReadAllText(path))
            ?? throw new JsonException($"{path} holds no object.");
        return new CodexRuntimeIntegrityTable(parsed.ToDictionary(v => v.Key, v => (IDictionary<string, string>)v.Value));
    }

    /// <summary>The build-time integrity of <paramref name="version"/> for <paramref name="platform"/>, or null.</summary>
    public string? Find(string version, string platform) =>
        _entries.TryGetValue(version, out var platforms) && platforms.TryGetValue(platform, out var integrity) ? integrity : null;

    /// <summary>The sha512 digest an npm integrity string ("sha512-&lt;base64&gt;") names; null when it names another algorithm or is malformed.</summary>
    public static byte[]? Sha512Of(string? integrity)
    {
        // An integrity may list several hashes separated by spaces; only sha512 is trusted here.
        foreach (var part in (integrity ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!part.StartsWith("sha512-", StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                var digest = Convert.FromBase64String(part["sha512-".Length..]);
                if (digest.Length == SHA512.HashSizeInBytes)
                {
                    return digest;
                }
            }
            catch (FormatException)
            {
                // Malformed: not a usable integrity.
            }
        }

        return null;
    }

    /// <summary>The npm integrity string of a sha512 digest.</summary>
    public static string Format(byte[] sha512) => "sha512-" + Convert.ToBase64String(sha512);
}
