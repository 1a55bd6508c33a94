using System.Runtime.InteropServices;

namespace CodexPS.Engine.Runtime.Install;

/// <summary>
/// One platform the codex runtime is published for: npm's name for it (the suffix of the platform package's version,
/// e.g. 0.169.0-linux-x64), the Rust target triple its archive keeps the binary under, and the binary's file name.
/// </summary>
public sealed record CodexRuntimePlatform(string Name, string TargetTriple, string BinaryName)
{
    /// <summary>Every platform @openai/codex publishes a package for.</summary>
    public static IReadOnlyList<CodexRuntimePlatform> All { get; } = new[]
    {
        new CodexRuntimePlatform("linux-x64", "x86_64-unknown-linux-musl", "codex"),
        new CodexRuntimePlatform("linux-arm64", "aarch64-unknown-linux-musl", "codex"),
        new CodexRuntimePlatform("darwin-x64", "x86_64-apple-darwin", "codex"),
        new CodexRuntimePlatform("darwin-arm64", "aarch64-apple-darwin", "codex"),
        new CodexRuntimePlatform("win32-x64", "x86_64-pc-windows-msvc", "codex.exe"),
        new CodexRuntimePlatform("win32-arm64", "aarch64-pc-windows-msvc", "codex.exe"),
    };

    /// <summary>The platform of this process; null on one codex is not published for (32-bit, or another architecture).</summary>
    public static CodexRuntimePlatform? Current
    {
        get
        {
            var os = OperatingSystem.IsWindows() ? "win32" : OperatingSystem.IsMacOS() ? "darwin" : OperatingSystem.IsLinux() ? "linux" : null;
            var arch = RuntimeInformation.OSArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                _ => null,
            };
            return os is null || arch is null ? null : Find($"{os}-{arch}");
        }
    }

    /// <summary>The platform npm calls <paramref name="name"/> (e.g. win32-x64), or null.</summary>
    public static CodexRuntimePlatform? Find(string name) => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The binary's path relative to the runtime's folder (the archive's vendor/&lt;triple&gt;/ folder).</summary>
    public string RelativeBinaryPath => Path.Combine("bin", BinaryName);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
