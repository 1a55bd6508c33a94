using System.Runtime.InteropServices;
using CodexPS.Engine.Runtime.Install;

namespace CodexPS.Engine.Runtime;

/// <summary>Where the runtime binary was found and which rule found it.</summary>
public sealed record CodexLocation(string Path, string Source);

/// <summary>
/// Finds the real codex binary: an explicit path, then $CODEXPS_CODEX_PATH, then native/node_modules beside
/// the module or any folder above it, then what Install-CodexRuntime put in the per-user folder (the pinned version,
/// else the newest inside the supported range), then `codex` on PATH resolved through npm's shim to the platform
/// binary, and last the newest version Install-CodexRuntime installed outside the range.
/// </summary>
public static class CodexRuntimeLocator
{
    /// <summary>The @openai/codex version this build of CodexPS is made and tested for (native/package.json).</summary>
    public static string PinnedVersion { get; } = BuildMetadata("CodexPinnedVersion");

    /// <summary>
    /// The lowest runtime version CodexPS supports (native/package.json, codexps.lowestSupported). The supported
    /// range runs from it to any patch of the pinned version's minor; CI tests both ends.
    /// </summary>
    public static string LowestSupportedVersion { get; } = BuildMetadata("CodexLowestSupportedVersion");

    /// <summary>The supported range as people write it, e.g. "0.170.0 to 0.171.x".</summary>
    public static string SupportedRange => $"{LowestSupportedVersion} to {MinorOf(PinnedVersion)}.x";

    /// <summary>
    /// Whether a runtime version (codex-cli's "major.minor.patch", optionally with a pre-release tag) lies in the
    /// supported range. A version that cannot be read is not supported.
    /// </summary>
    public static bool IsSupported(string? version)
    {
        if (!TryParse(version, out var parsed) || !TryParse(LowestSupportedVersion, out var lowest) || !TryParse(PinnedVersion, out var pinned))
        {
            return false;
        }

        // Up to any patch of the pinned minor: everything below the next minor.
        return parsed >= lowest && parsed < new Version(pinned.Major, pinned.Minor + 1);
    }

    private static bool TryParse(string? version, out Version parsed)
    {
        parsed = new Version(0, 0);
        if (string.IsNullOrWhiteSpace(version))
        {
            return false;
        }

        // "0.171.0-alpha.2" and "0.171.0-linux-x64" compare as 0.171.0.
        var core = version.Trim().Split('-', 2)[0];
        if (!Version.TryParse(core, out var v) || v.Build < 0)
        {
            return false;
        }

        parsed = new Version(v.Major, v.Minor, v.Build);
        return true;
    }

    private static string MinorOf(string version) =>
        TryParse(version, out var v) ? $"{v.Major}.{v.Minor}" : version;

    private static string BuildMetadata(string key) =>
        typeof(CodexRuntimeLocator).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), inherit: false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"CodexPS.Engine was built without its {key} (native/package.json).");

    /// <summary>The environment variable that can name the codex binary, tried after an explicit path.</summary>
    public const string PathVariable = "CODEXPS_CODEX_PATH";

    private static readonly bool IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

    /// <summary>The binary's file name on this platform (codex.exe on Windows, codex elsewhere).</summary>
    public static string BinaryName => IsWindows ? "codex.exe" : "codex";

    /// <summary>
    /// Finds the codex binary in the order the class describes; searchRoots are the folders whose native/node_modules
    /// (and those of every folder above) are searched. Throws CodexRuntimeNotFoundException listing every place tried.
    /// </summary>
    public static CodexLocation Locate(string? explicitPath, IEnumerable<string>? searchRoots = null)
    {
        var searched = new List<string>();
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            var full = System.IO.Path.GetFullPath(explicitPath);
            searched.Add($"-CodexPath: {full}");
            if (IsUsableFile(full))
            {
                return new CodexLocation(full, "explicit path");
            }

            throw NotFound($"The codex runtime given as '{full}' does not exist or is not executable.", searched);
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            var full = System.IO.Path.GetFullPath(fromEnvironment);
            searched.Add($"${PathVariable}: {full}");
            if (IsUsableFile(full))
            {
                return new CodexLocation(full, PathVariable);
            }
        }

        foreach (var root in searchRoots ?? Array.Empty<string>())
        {
            for (var dir = new DirectoryInfo(root); dir is not null; dir = dir.Parent)
            {
                var modules = System.IO.Path.Combine(dir.FullName, "native", "node_modules");
                searched.Add(modules);
                if (FindInNodeModules(modules) is { } found)
                {
                    return new CodexLocation(found, "native/node_modules");
                }
            }
        }

        // Before PATH, what Install-CodexRuntime installed: the pinned version, else the newest inside the supported range.
        // A codex on PATH may be any version; an install outside the range is most often one an older pin left behind.
        // Read only once the pinned install is not there: each install's metadata is a file to parse.
        IReadOnlyList<CodexRuntimeInstallation>? installs = null;
        if (CodexRuntimeInstallDirectory.ForVersion(PinnedVersion) is { } installedFolder)
        {
            searched.Add($"Install-CodexRuntime: {installedFolder}");
            if (CodexRuntimeInstallDirectory.Find(PinnedVersion) is { } installed && IsUsableFile(installed.Path))
            {
                return new CodexLocation(installed.Path, "Install-CodexRuntime");
            }

            installs = CodexRuntimeInstallDirectory.FindAll();
            searched.Add($"Install-CodexRuntime, the newest of {SupportedRange}: {CodexRuntimeInstallDirectory.Root}{Listed(installs.Where(i => IsSupported(i.Version)))}");
            if (installs.FirstOrDefault(i => IsSupported(i.Version) && IsUsableFile(i.Path)) is { } inRange)
            {
                return new CodexLocation(inRange.Path, "Install-CodexRuntime");
            }
        }

        var onPath = FindOnPath(searched);
        if (onPath is not null)
        {
            return new CodexLocation(onPath, "PATH");
        }

        // Last: an installed version outside the range still beats no runtime (it starts with the drift check's verdict).
        if (CodexRuntimeInstallDirectory.Root is { } installRoot)
        {
            installs ??= CodexRuntimeInstallDirectory.FindAll();
            var outside = installs.Where(i => !IsSupported(i.Version)).ToArray();
            searched.Add($"Install-CodexRuntime, the newest of any other version: {installRoot}{Listed(outside)}");
            if (outside.FirstOrDefault(i => IsUsableFile(i.Path)) is { } other)
            {
                return new CodexLocation(other.Path, "Install-CodexRuntime");
            }
        }

        throw NotFound("The codex runtime was not found.", searched);
    }

    private static string Listed(IEnumerable<CodexRuntimeInstallation> installs)
    {
        var versions = installs.Select(i => i.Version).ToArray();
        return versions.Length == 0 ? " (none installed)" : $" ({string.Join(", ", versions)})";
    }

    /// <summary>The platform package npm installs beside @openai/codex, e.g. @openai/codex-linux-x64.</summary>
    public static string PlatformPackage()
    {
        var os = IsWindows ? "win32" : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "darwin" : "linux";
        var arch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "x64";
        return $"codex-{os}-{arch}";
    }

    private static string TargetTriple()
    {
        var arm = RuntimeInformation.OSArchitecture == Architecture.Arm64;
        if (IsWindows)
        {
            return arm ? "aarch64-pc-windows-msvc" : "x86_64-pc-windows-msvc";
        }

        if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
        {
            return arm ? "aarch64-apple-darwin" : "x86_64-apple-darwin";
        }

        return arm ? "aarch64-unknown-linux-musl" : "x86_64-unknown-linux-musl";
    }

    /// <summary>Looks for the platform binary below one node_modules folder (flat or nested install).</summary>
    public static string? FindInNodeModules(string nodeModules)
    {
        var relative = System.IO.Path.Combine("vendor", TargetTriple(), "bin", BinaryName);
        string[] candidates =
        {
            System.IO.Path.Combine(nodeModules, "@openai", PlatformPackage(), relative),
            System.IO.Path.Combine(nodeModules, "@openai", "codex", "node_modules", "@openai", PlatformPackage(), relative),
            System.IO.Path.Combine(nodeModules, "@openai", "codex", relative),
        };
        return candidates.FirstOrDefault(IsUsableFile);
    }

    private static string? FindOnPath(List<string> searched)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        string[] names = IsWindows ? new[] { "codex.exe", "codex.cmd", "codex" } : new[] { "codex" };
        foreach (var dir in path.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = System.IO.Path.Combine(dir, name);
                if (!File.Exists(candidate))
                {
                    continue;
                }

                searched.Add($"PATH: {candidate}");
                if (ResolveShim(candidate) is { } real)
                {
                    return real;
                }
            }
        }

        searched.Add("PATH: no codex command");
        return null;
    }

    /// <summary>
    /// npm puts a node script (a symlink on Unix, a .cmd file on Windows) on PATH; the binary we must spawn lives
    /// in the platform package beside it. A native binary on PATH is used as it is.
    /// </summary>
    private static string? ResolveShim(string candidate)
    {
        var target = candidate;
        try
        {
            var info = new FileInfo(candidate);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } resolved)
            {
                target = resolved.FullName;
            }
        }
        catch (IOException)
        {
            return null;
        }

        // .../node_modules/@openai/codex/bin/codex.js  → .../node_modules
        if (target.EndsWith(".js", StringComparison.OrdinalIgnoreCase) || target.EndsWith(".cmd", StringComparison.OrdinalIgnoreCase)
            || target.EndsWith(".ps1", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var nodeModules in NodeModulesNear(target))
            {
                if (FindInNodeModules(nodeModules) is { } found)
                {
                    return found;
                }
            }

            return null;
        }

        return IsUsableFile(target) && !LooksLikeScript(target) ? target : null;
    }

    private static IEnumerable<string> NodeModulesNear(string shim)
    {
        for (var dir = new FileInfo(shim).Directory; dir is not null; dir = dir.Parent)
        {
            if (string.Equals(dir.Name, "node_modules", StringComparison.OrdinalIgnoreCase))
            {
                yield return dir.FullName;
            }

            // Windows npm prefix: codex.cmd sits beside node_modules.
            var beside = System.IO.Path.Combine(dir.FullName, "node_modules");
            if (Directory.Exists(beside))
            {
                yield return beside;
            }
        }
    }

    private static bool LooksLikeScript(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return stream.ReadByte() == '#' && stream.ReadByte() == '!';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool IsUsableFile(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        var mode = File.GetUnixFileMode(path);
        return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }

    private static CodexRuntimeNotFoundException NotFound(string first, List<string> searched)
    {
        var message = first + " Looked in:" + Environment.NewLine + string.Join(Environment.NewLine, searched.Select(s => "  " + s))
            + Environment.NewLine
            + "Install it with 'Install-CodexRuntime' (no Node needed), "
            + $"or with 'npm install -g @openai/codex@{PinnedVersion}' (which puts codex on PATH), "
            + $"or point -CodexPath or ${PathVariable} at the codex binary; in a CodexPS source tree, 'build.ps1 Native' installs it into native/.";
        return new CodexRuntimeNotFoundException(message, searched);
    }
}
