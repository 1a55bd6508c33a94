using CodexPS.Engine.Runtime;

namespace CodexPS.Engine.Tests;

/// <summary>Where the runtime binary is looked for, in order. These change the process's PATH, so they run alone.</summary>
[Collection(RealRuntimeCollection.Name)]
public sealed class RuntimeLocatorTests : IDisposable
{
    private readonly string _root = TestRuntime.NewTempDirectory("codexps-locator");
    private readonly string? _savedPath = Environment.GetEnvironmentVariable("PATH");
    private readonly string? _savedOverride = Environment.GetEnvironmentVariable(CodexRuntimeLocator.PathVariable);

    public void Dispose()
    {
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
