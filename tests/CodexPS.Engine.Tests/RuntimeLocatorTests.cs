using CodexPS.Engine.Runtime;
using CodexPS.Engine.Runtime.Install;

namespace CodexPS.Engine.Tests;

/// <summary>Where the runtime binary is looked for, in order. These change the process's PATH and per-user data folder, so they run alone.</summary>
[Collection(RealRuntimeCollection.Name)]
public sealed class RuntimeLocatorTests : IDisposable
{
    private readonly string _root = TestRuntime.NewTempDirectory("codexps-locator");
    private readonly string? _savedPath = Environment.GetEnvironmentVariable("PATH");
    private readonly string? _savedOverride = Environment.GetEnvironmentVariable(CodexRuntimeLocator.PathVariable);
    private static readonly string DataVariable = OperatingSystem.IsWindows() ? "LOCALAPPDATA" : "XDG_DATA_HOME";
    private readonly string? _savedData = Environment.GetEnvironmentVariable(DataVariable);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(DataVariable, _savedData);
        Environment.SetEnvironmentVariable("PATH", _savedPath);
        Environment.SetEnvironmentVariable(CodexRuntimeLocator.PathVariable, _savedOverride);
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void CodexOnPathIsResolvedThroughTheNpmShimToThePlatformBinary()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // npm's Unix layout: a symlink to the package's node script.
        }

        var modules = Path.Combine(_root, "prefix", "lib", "node_modules");
        var shimTarget = Path.Combine(modules, "@openai", "codex", "bin", "codex.js");
        Directory.CreateDirectory(Path.GetDirectoryName(shimTarget)!);
        File.WriteAllText(shimTarget, "#!/usr/bin/env node\n");
        var binary = FakeBinary(modules);
        var bin = Path.Combine(_root, "prefix", "bin");
        Directory.CreateDirectory(bin);
        File.CreateSymbolicLink(Path.Combine(bin, "codex"), shimTarget);
        Environment.SetEnvironmentVariable("PATH", bin);
        Environment.SetEnvironmentVariable(CodexRuntimeLocator.PathVariable, null);

        var found = CodexRuntimeLocator.Locate(null, Array.Empty<string>());

        Assert.Equal(binary, found.Path);
        Assert.Equal("PATH", found.Source);
    }

    [Fact]
    public void TheOrderIsExplicitPathThenEnvironmentThenNodeModulesThenPath()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // The fake binaries rely on Unix execute bits.
        }

        var inTree = FakeBinary(Path.Combine(_root, "tree", "native", "node_modules"));
        var moduleDir = Path.Combine(_root, "tree", "out", "CodexPS");
        Directory.CreateDirectory(moduleDir);
        var fromEnvironment = Executable(Path.Combine(_root, "env", "codex"));
        var explicitPath = Executable(Path.Combine(_root, "explicit", "codex"));
        Environment.SetEnvironmentVariable("PATH", string.Empty);

        Environment.SetEnvironmentVariable(CodexRuntimeLocator.PathVariable, fromEnvironment);
        Assert.Equal(explicitPath, CodexRuntimeLocator.Locate(explicitPath, new[] { moduleDir }).Path);
        Assert.Equal(fromEnvironment, CodexRuntimeLocator.Locate(null, new[] { moduleDir }).Path);

        Environment.SetEnvironmentVariable(CodexRuntimeLocator.PathVariable, null);
        var found = CodexRuntimeLocator.Locate(null, new[] { moduleDir });
        Assert.Equal(inTree, found.Path);
        Assert.Equal("native/node_modules", found.Source);

        var missing = Assert.Throws<CodexRuntimeNotFoundException>(() => CodexRuntimeLocator.Locate(null, new[] { _root }));
        Assert.Contains(missing.Searched, s => s.StartsWith(Path.Combine(_root, "native"), StringComparison.Ordinal));
        Assert.Contains("npm", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InstalledRuntimes_ThePinnedVersionFirst_ThenTheNewestInTheRange_BeforePath()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // The fake binaries rely on Unix execute bits.
        }

        var data = Path.Combine(_root, "data");
        Environment.SetEnvironmentVariable(DataVariable, data);
        Environment.SetEnvironmentVariable(CodexRuntimeLocator.PathVariable, null);
        var onPath = Executable(Path.Combine(_root, "bin", "codex"));
        Environment.SetEnvironmentVariable("PATH", Path.GetDirectoryName(onPath));
        var pinned = Version.Parse(CodexRuntimeLocator.PinnedVersion);
        var lowest = CodexRuntimeLocator.LowestSupportedVersion;
        var newer = $"{pinned.Major}.{pinned.Minor + 1}.0";

        // Only versions outside the range installed: PATH wins over them.
        var outsideRange = Install(newer);
        Assert.Equal(onPath, CodexRuntimeLocator.Locate(null, Array.Empty<string>()).Path);

        // The bottom of the range beats PATH, and so does a newer version inside the range (its newest wins).
        var bottom = Install(lowest);
        var found = CodexRuntimeLocator.Locate(null, Array.Empty<string>());
        Assert.Equal(bottom, found.Path);
        Assert.Equal("Install-CodexRuntime", found.Source);
        var patch = Install($"{pinned.Major}.{pinned.Minor}.{pinned.Build + 1}");
        Assert.Equal(patch, CodexRuntimeLocator.Locate(null, Array.Empty<string>()).Path);

        // The pinned version before any other, newer ones included.
        var exact = Install(CodexRuntimeLocator.PinnedVersion);
        Assert.Equal(exact, CodexRuntimeLocator.Locate(null, Array.Empty<string>()).Path);

        // An install that is damaged (no binary) is passed over; the explicit settings still come first.
        File.Delete(exact);
        Assert.NotEqual(exact, CodexRuntimeLocator.Locate(null, Array.Empty<string>()).Path);
        Environment.SetEnvironmentVariable(CodexRuntimeLocator.PathVariable, onPath);
        Assert.Equal(CodexRuntimeLocator.PathVariable, CodexRuntimeLocator.Locate(null, Array.Empty<string>()).Source);
        Environment.SetEnvironmentVariable(CodexRuntimeLocator.PathVariable, null);
        Assert.True(File.Exists(outsideRange));
    }

    [Fact]
    public void AnInstalledVersionOutsideTheRangeIsTheLastResort_AndTheErrorNamesEveryPlace()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // The fake binaries rely on Unix execute bits.
        }

        var data = Path.Combine(_root, "data");
        Environment.SetEnvironmentVariable(DataVariable, data);
        Environment.SetEnvironmentVariable(CodexRuntimeLocator.PathVariable, null);
        Environment.SetEnvironmentVariable("PATH", string.Empty);
        var root = CodexRuntimeInstallDirectory.Root!;

        var missing = Assert.Throws<CodexRuntimeNotFoundException>(() => CodexRuntimeLocator.Locate(null, Array.Empty<string>()));
        Assert.Contains($"Install-CodexRuntime: {CodexRuntimeInstallDirectory.ForVersion(CodexRuntimeLocator.PinnedVersion)}", missing.Searched);
        Assert.Contains($"Install-CodexRuntime, the newest of {CodexRuntimeLocator.SupportedRange}: {root} (none installed)", missing.Searched);
        Assert.Contains($"Install-CodexRuntime, the newest of any other version: {root} (none installed)", missing.Searched);
        Assert.Contains("PATH: no codex command", missing.Searched);

        var old = Install("0.0.9");
        var older = Install("0.0.8");
        var found = CodexRuntimeLocator.Locate(null, Array.Empty<string>());
        Assert.Equal(old, found.Path);
        Assert.Equal("Install-CodexRuntime", found.Source);
        Assert.True(File.Exists(older));

        // Another platform's install in a shared home folder is not ours to run.
        var manifest = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(old)!)!, CodexRuntimeInstallation.ManifestFileName);
        var platform = CodexRuntimePlatform.Current!;
        var other = CodexRuntimePlatform.All.First(p => p != platform).Name;
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace($"\"{platform.Name}\"", $"\"{other}\"", StringComparison.Ordinal));
        Assert.Equal(older, CodexRuntimeLocator.Locate(null, Array.Empty<string>()).Path);
        var listed = Assert.Throws<CodexRuntimeNotFoundException>(() =>
        {
            File.Delete(older);
            return CodexRuntimeLocator.Locate(null, Array.Empty<string>());
        });
        Assert.Contains(listed.Searched, s => s.StartsWith("Install-CodexRuntime, the newest of any other version:", StringComparison.Ordinal));
    }

    /// <summary>An installation as Install-CodexRuntime leaves it: the binary and its manifest, in the per-user root.</summary>
    private static string Install(string version)
    {
        var platform = CodexRuntimePlatform.Current!;
        var folder = CodexRuntimeInstallDirectory.ForVersion(version)!;
        var binary = Executable(Path.Combine(folder, platform.RelativeBinaryPath));
        File.WriteAllText(Path.Combine(folder, CodexRuntimeInstallation.ManifestFileName),
            $$"""{"version":"{{version}}","platform":"{{platform.Name}}","integrityVerified":true}""");
        return binary;
    }

    private static string FakeBinary(string nodeModules)
    {
        var triple = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64
            ? (OperatingSystem.IsMacOS() ? "aarch64-apple-darwin" : "aarch64-unknown-linux-musl")
            : (OperatingSystem.IsMacOS() ? "x86_64-apple-darwin" : "x86_64-unknown-linux-musl");
        return Executable(Path.Combine(nodeModules, "@openai", CodexRuntimeLocator.PlatformPackage(), "vendor", triple, "bin", "codex"));
    }

    private static string Executable(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' });
        if (OperatingSystem.IsWindows())
        {
            return path;
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
