namespace CodexPS.Engine.Runtime.Install;

/// <summary>
/// The per-user folder Install-CodexRuntime installs into and the locator looks in:
/// %LOCALAPPDATA%\CodexPS\runtime\&lt;version&gt; on Windows, $XDG_DATA_HOME/CodexPS/runtime/&lt;version&gt; (default
/// ~/.local/share) elsewhere. The variables are read on every call, so a test or a runbook can point them elsewhere.
/// </summary>
public static class CodexRuntimeInstallDirectory
{
    /// <summary>The folder that holds one subfolder per installed version; null when the user has no data folder.</summary>
    public static string? Root
    {
        get
        {
            string? data;
            if (OperatingSystem.IsWindows())
            {
                data = Environment.GetEnvironmentVariable("LOCALAPPDATA");
                if (string.IsNullOrWhiteSpace(data))
                {
                    data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
                }
            }
            else
            {
                // The XDG base directory spec: a relative value is invalid and must be ignored.
                data = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
                if (string.IsNullOrWhiteSpace(data) || !System.IO.Path.IsPathRooted(data))
                {
                    var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify);
                    data = string.IsNullOrWhiteSpace(home) ? null : System.IO.Path.Combine(home, ".local", "share");
                }
            }

            return string.IsNullOrWhiteSpace(data) ? null : System.IO.Path.Combine(data, "CodexPS", "runtime");
        }
    }

    /// <summary>
    /// The per-user file of runtime drift verdicts (Runtime/Drift/CodexRuntimeDriftCache), beside the installs; null when
    /// the user has no data folder.
    /// </summary>
    public static string? DriftCachePath => Root is { } root ? System.IO.Path.Combine(root, "codexps-drift-cache.json") : null;

    /// <summary>The folder of one version in the per-user root; null when the user has no data folder.</summary>
    public static string? ForVersion(string version) => Root is { } root ? System.IO.Path.Combine(root, version) : null;

    /// <summary>
    /// Every installation for this platform in the per-user root, newest version first (Install-CodexRuntime's work
    /// folders and anything without a readable manifest and binary are left out).
    /// </summary>
    public static IReadOnlyList<CodexRuntimeInstallation> FindAll()
    {
        if (Root is not { } root || CodexRuntimePlatform.Current is not { } platform || !System.IO.Directory.Exists(root))
        {
            return Array.Empty<CodexRuntimeInstallation>();
        }

        try
        {
            return System.IO.Directory.EnumerateDirectories(root)
                .Where(d => !System.IO.Path.GetFileName(d).StartsWith('.'))
                .Select(CodexRuntimeInstallation.TryRead)
                .OfType<CodexRuntimeInstallation>()
                .Where(i => string.Equals(i.Platform, platform.Name, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(i => SortKey(i.Version))
                .ThenByDescending(i => i.Version, StringComparer.Ordinal)
                .ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<CodexRuntimeInstallation>();
        }
    }

    // "0.171.0" and "0.171.0-alpha.2" sort by 0.171.0; a version that cannot be read sorts last.
    private static Version SortKey(string version) =>
        Version.TryParse(version.Split('-', 2)[0], out var parsed) ? parsed : new Version(0, 0);

    /// <summary>The installation of <paramref name="version"/> for this platform in the per-user root, or null.</summary>
    public static CodexRuntimeInstallation? Find(string version)
    {
        if (ForVersion(version) is not { } directory || CodexRuntimePlatform.Current is not { } platform)
        {
            return null;
        }

        // A home folder shared by machines of different platforms: another platform's binary is not ours to run.
        return CodexRuntimeInstallation.TryRead(directory) is { } found && string.Equals(found.Platform, platform.Name, StringComparison.OrdinalIgnoreCase)
            ? found
            : null;
    }
}
