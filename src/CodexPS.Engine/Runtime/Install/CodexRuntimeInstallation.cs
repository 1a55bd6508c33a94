using System.Text.Json;
using System.Text.Json.Serialization;

namespace CodexPS.Engine.Runtime.Install;

/// <summary>A codex runtime Install-CodexRuntime installed: what it is, where it is and how its download was verified.</summary>
public sealed class CodexRuntimeInstallation
{
    /// <summary>The file beside bin/ that records the installation; written before the folder is renamed into place.</summary>
    public const string ManifestFileName = "codexps-runtime.json";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The @openai/codex version, e.g. 0.169.0.</summary>
    public string Version { get; init; } = string.Empty;

    /// <summary>npm's name of the platform, e.g. linux-x64 or win32-x64.</summary>
    public string Platform { get; init; } = string.Empty;

    /// <summary>The codex binary, for -CodexPath or $env:CODEXPS_CODEX_PATH.</summary>
    [JsonIgnore]
    public string Path { get; private set; } = string.Empty;

    /// <summary>The folder that holds the runtime (bin/, codex-path/, codex-resources/).</summary>
    [JsonIgnore]
    public string Directory { get; private set; } = string.Empty;

    /// <summary>True: the downloaded archive matched the sha512 integrity named by IntegritySource before anything was extracted.</summary>
    public bool IntegrityVerified { get; init; }

    /// <summary>BuildTime (recorded from native/package-lock.json when CodexPS was built) or Registry (the registry's dist.integrity).</summary>
    public CodexRuntimeIntegritySource IntegritySource { get; init; }

    /// <summary>The npm integrity string the archive matched, "sha512-…".</summary>
    public string Integrity { get; init; } = string.Empty;

    /// <summary>The address the archive was downloaded from.</summary>
    public string Source { get; init; } = string.Empty;

    /// <summary>When the runtime was installed.</summary>
    public DateTimeOffset InstalledAt { get; init; }

    /// <summary>Whether this installation is the version this build of CodexPS is pinned to.</summary>
    [JsonIgnore]
    public bool IsPinnedVersion => Version == CodexRuntimeLocator.PinnedVersion;

    /// <summary>The installation recorded in <paramref name="directory"/>, when its manifest is readable and its binary is there; else null.</summary>
    public static CodexRuntimeInstallation? TryRead(string directory)
    {
        var manifest = System.IO.Path.Combine(directory, ManifestFileName);
        try
        {
            if (!File.Exists(manifest) || JsonSerializer.Deserialize<CodexRuntimeInstallation>(File.ReadAllText(manifest), JsonOptions) is not { } read)
            {
                return null;
            }

            if (CodexRuntimePlatform.Find(read.Platform) is not { } platform)
            {
                return null;
            }

            read.Directory = System.IO.Path.GetFullPath(directory);
            read.Path = System.IO.Path.Combine(read.Directory, platform.RelativeBinaryPath);
            return File.Exists(read.Path) ? read : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Records this installation in <paramref name="directory"/> (the staging folder, before it is renamed into place).</summary>
    internal void WriteTo(string directory) =>
        File.WriteAllText(System.IO.Path.Combine(directory, ManifestFileName), JsonSerializer.Serialize(this, JsonOptions));

    /// <summary>This installation as found in its final folder.</summary>
    internal CodexRuntimeInstallation At(string directory, CodexRuntimePlatform platform)
    {
        var copy = (CodexRuntimeInstallation)MemberwiseClone();
        copy.Directory = System.IO.Path.GetFullPath(directory);
        copy.Path = System.IO.Path.Combine(copy.Directory, platform.RelativeBinaryPath);
        return copy;
    }

    /// <inheritdoc/>
    public override string ToString() => $"codex {Version} ({Platform}) at {Path}";
}
