using CodexPS.Engine.Runtime;

namespace CodexPS.Engine.Diagnostics;

/// <summary>
/// The runtime versions CodexPS supports: the pinned minor and the one before it. The version check of the doctor asks
/// this; the lead's range beside <see cref="CodexRuntimeLocator.PinnedVersion"/> replaces it when it lands.
/// </summary>
internal static class CodexSupportedRuntimes
{
    /// <summary>The lowest supported version (inclusive) and the first version above the range (exclusive).</summary>
    internal static (Version Lowest, Version Above) Range { get; } = RangeOf(CodexRuntimeLocator.PinnedVersion);

    internal static (Version Lowest, Version Above) RangeOf(string pinned)
    {
        var version = Version.Parse(pinned);
        return (new Version(version.Major, Math.Max(0, version.Minor - 1), 0), new Version(version.Major, version.Minor + 1, 0));
    }

    /// <summary>Whether a version the runtime reported lies in the range; null when it is not a version number.</summary>
    internal static bool? Contains(string? reported)
    {
        // Pre-release and platform suffixes (0.169.0-alpha.1, 0.169.0-linux-x64) do not move a version out of its minor.
        var core = reported?.Split('-', '+')[0];
        if (core is null || !Version.TryParse(core, out var version))
        {
            return null;
        }

        return version >= Range.Lowest && version < Range.Above;
    }

    /// <summary>The range in words, e.g. "0.168.0 up to (not including) 0.170.0".</summary>
    internal static string Describe() => $"{Range.Lowest} up to (not including) {Range.Above}";
}
