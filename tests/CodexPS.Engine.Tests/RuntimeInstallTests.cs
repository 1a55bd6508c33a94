using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using CodexPS.Engine.Runtime;
using CodexPS.Engine.Runtime.Install;

namespace CodexPS.Engine.Tests;

/// <summary>
/// The installer's own rules, on archives and a registry of the test's own: what is extracted and what is refused,
/// silence on the wire, replacement with -Force, and where the locator looks. The locator tests change
/// XDG_DATA_HOME/LOCALAPPDATA and PATH, so they run alone.
/// </summary>
[Collection(RealRuntimeCollection.Name)]
public sealed class RuntimeInstallTests : IDisposable
{
    private static readonly CodexRuntimePlatform Platform = CodexRuntimePlatform.Current ?? CodexRuntimePlatform.All[0];
    private static readonly string DataVariable = OperatingSystem.IsWindows() ? "LOCALAPPDATA" : "XDG_DATA_HOME";
    private readonly string _root = TestRuntime.NewTempDirectory("codexps-install-xunit");
    private readonly string? _savedData = Environment.GetEnvironmentVariable(DataVariable);
    private readonly string? _savedPath = Environment.GetEnvironmentVariable("PATH");
    private readonly string? _savedOverride = Environment.GetEnvironmentVariable(CodexRuntimeLocator.PathVariable);
    private readonly List<string> _archives = new();

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(DataVariable, _savedData);
        Environment.SetEnvironmentVariable("PATH", _savedPath);
        Environment.SetEnvironmentVariable(CodexRuntimeLocator.PathVariable, _savedOverride);
        Directory.Delete(_root, recursive: true);
        _archives.ForEach(File.Delete);
    }

    [Fact]
    public async Task OnlyTheVendorFolderIsExtracted_WithItsPermissionBitsButNoSetId()
    {
        var archive = WriteArchive(
            ("package/package.json", "{}", null, TarEntryType.RegularFile),
            ($"package/vendor/{Platform.TargetTriple}/bin/{Platform.BinaryName}", "binary", UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.SetUser, TarEntryType.RegularFile),
            ($"package/vendor/{Platform.TargetTriple}/codex-resources/notes.txt", "notes", UnixFileMode.UserRead, TarEntryType.RegularFile));
        var destination = Path.Combine(_root, "out");

        await CodexRuntimeArchive.ExtractAsync(archive, Platform, destination, null, CancellationToken.None);

        var binary = Path.Combine(destination, Platform.RelativeBinaryPath);
        Assert.Equal("binary", File.ReadAllText(binary));
        Assert.Equal("notes", File.ReadAllText(Path.Combine(destination, "codex-resources", "notes.txt")));
        Assert.False(File.Exists(Path.Combine(destination, "package.json")));
        Assert.False(Directory.Exists(Path.Combine(destination, "package")));
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(binary);
            Assert.True(mode.HasFlag(UnixFileMode.UserExecute));
            Assert.False(mode.HasFlag(UnixFileMode.SetUser), "a set-id bit from an archive is never kept");
        }
    }

    [Theory]
    [InlineData("../../escaped.txt")]
    [InlineData("bin/../../../escaped.txt")]
    public async Task AnEntryThatWouldLeaveTheFolderMakesTheArchiveInvalid(string relative)
    {
        var archive = WriteArchive(
            ($"package/vendor/{Platform.TargetTriple}/bin/{Platform.BinaryName}", "binary", null, TarEntryType.RegularFile),
            ($"package/vendor/{Platform.TargetTriple}/{relative}", "escaped", null, TarEntryType.RegularFile));
        var destination = Path.Combine(_root, "nested", "out");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => CodexRuntimeArchive.ExtractAsync(archive, Platform, destination, null, CancellationToken.None));

        Assert.Contains("not a plain relative path", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_root, "escaped.txt", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ALinkMakesTheArchiveInvalid()
    {
        var archive = WriteArchive(
            ($"package/vendor/{Platform.TargetTriple}/bin/{Platform.BinaryName}", "/etc/passwd", null, TarEntryType.SymbolicLink));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => CodexRuntimeArchive.ExtractAsync(archive, Platform, Path.Combine(_root, "out"), null, CancellationToken.None));

        Assert.Contains("SymbolicLink", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyASha512IntegrityIsTrusted()
    {
        var digest = SHA512.HashData("x"u8);
        var sri = CodexRuntimeIntegrityTable.Format(digest);

        Assert.Equal(digest, CodexRuntimeIntegrityTable.Sha512Of(sri));
        Assert.Equal(digest, CodexRuntimeIntegrityTable.Sha512Of("sha1-AAAA " + sri));
        Assert.Null(CodexRuntimeIntegrityTable.Sha512Of("sha1-" + Convert.ToBase64String(new byte[20])));
        Assert.Null(CodexRuntimeIntegrityTable.Sha512Of("sha512-not base64!"));
        Assert.Null(CodexRuntimeIntegrityTable.Sha512Of("sha512-" + Convert.ToBase64String(new byte[10])));
        Assert.Null(CodexRuntimeIntegrityTable.Sha512Of(null));
    }

    [Fact]
    public async Task ADownloadThatGoesSilentFails_AndLeavesNothing()
    {
        using var registry = new LocalRegistry();
        var installer = Installer("0.169.0", Path.Combine(_root, "silent"), registry, out var digest);
        registry.Silent[installer.ArchiveUri.AbsolutePath] = digest.Length * 1000;

        var error = await Assert.ThrowsAsync<CodexRuntimeInstallException>(() => installer.InstallAsync(CancellationToken.None));

        Assert.Equal("CodexRuntimeDownloadFailed", error.ErrorId);
        Assert.Contains("no data arrived", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
    }

    [Fact]
    public async Task ForceReplacesTheRuntimeOnlyOnceTheNewOneIsVerified()
    {
        using var registry = new LocalRegistry();
        var destination = Path.Combine(_root, "runtime");
        var first = Installer("0.169.0", destination, registry, out _, "first");
        Assert.Equal("first", File.ReadAllText((await first.InstallAsync(CancellationToken.None)).Path));

        // Same version, new bytes, recorded integrity: -Force puts them in place and leaves no temporary folder.
        var second = Installer("0.169.0", destination, registry, out _, "second", force: true);
        var replaced = await second.InstallAsync(CancellationToken.None);
        Assert.Equal("second", File.ReadAllText(replaced.Path));
        Assert.Equal(CodexRuntimeIntegritySource.BuildTime, replaced.IntegritySource);
        Assert.Equal(new[] { destination }, Directory.EnumerateFileSystemEntries(_root));

        // Served bytes that differ from the recorded integrity: refused, and the runtime stays as it was.
        var tampered = Installer("0.169.0", destination, registry, out _, "third", force: true, recorded: "second");
        var error = await Assert.ThrowsAsync<CodexRuntimeInstallException>(() => tampered.InstallAsync(CancellationToken.None));
        Assert.Equal("CodexRuntimeIntegrityMismatch", error.ErrorId);
        Assert.Equal("second", File.ReadAllText(replaced.Path));
        Assert.Equal(new[] { destination }, Directory.EnumerateFileSystemEntries(_root));
    }

    [Fact]
    public async Task ThePinnedVersionIsNeverTrustedOnTheRegistrysWord()
    {
        using var registry = new LocalRegistry();
        var installer = new CodexRuntimeInstaller(new CodexRuntimeInstallOptions
        {
            Version = CodexRuntimeLocator.PinnedVersion,
            Platform = Platform,
            Destination = Path.Combine(_root, "pinned"),
            Registry = registry.Url,
            Integrity = CodexRuntimeIntegrityTable.Empty,
        });

        var error = await Assert.ThrowsAsync<CodexRuntimeInstallException>(() => installer.InstallAsync(CancellationToken.None));

        Assert.Equal("CodexRuntimeIntegrityUnavailable", error.ErrorId);
        Assert.False(Directory.Exists(Path.Combine(_root, "pinned")));
    }

    [Fact]
    public async Task TheLocatorFindsTheInstalledPinnedRuntimeAfterTheEnvironmentVariableAndBeforePath()
    {
        using var registry = new LocalRegistry();
        var data = Path.Combine(_root, "data");
        Environment.SetEnvironmentVariable(DataVariable, data);
        Environment.SetEnvironmentVariable(CodexRuntimeLocator.PathVariable, null);
        var folder = CodexRuntimeInstallDirectory.ForVersion(CodexRuntimeLocator.PinnedVersion)!;
        Assert.StartsWith(Path.Combine(data, "CodexPS", "runtime"), folder, StringComparison.Ordinal);

        // A codex on PATH that the installed one must win over.
        var pathDir = Directory.CreateDirectory(Path.Combine(_root, "bin")).FullName;
        var onPath = Path.Combine(pathDir, Platform.BinaryName);
        File.WriteAllText(onPath, "path codex");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(onPath, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        Environment.SetEnvironmentVariable("PATH", pathDir);
        var before = CodexRuntimeLocator.Locate(null, Array.Empty<string>());
        Assert.Equal("PATH", before.Source);

        var installed = await Installer(CodexRuntimeLocator.PinnedVersion, folder, registry, out _, "installed").InstallAsync(CancellationToken.None);
        var found = CodexRuntimeLocator.Locate(null, Array.Empty<string>());
        Assert.Equal(installed.Path, found.Path);
        Assert.Equal("Install-CodexRuntime", found.Source);

        Environment.SetEnvironmentVariable(CodexRuntimeLocator.PathVariable, onPath);
        Assert.Equal(CodexRuntimeLocator.PathVariable, CodexRuntimeLocator.Locate(null, Array.Empty<string>()).Source);
        Environment.SetEnvironmentVariable(CodexRuntimeLocator.PathVariable, null);

        // Another platform's runtime in a shared home folder is not ours to run.
        var manifest = Path.Combine(folder, CodexRuntimeInstallation.ManifestFileName);
        var other = CodexRuntimePlatform.All.First(p => p != Platform).Name;
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace($"\"{Platform.Name}\"", $"\"{other}\"", StringComparison.Ordinal));
        Assert.Equal("PATH", CodexRuntimeLocator.Locate(null, Array.Empty<string>()).Source);
    }

    private CodexRuntimeInstaller Installer(string version, string destination, LocalRegistry registry, out byte[] digest, string content = "binary", bool force = false, string? recorded = null)
    {
        var archive = File.ReadAllBytes(WriteArchive(($"package/vendor/{Platform.TargetTriple}/bin/{Platform.BinaryName}", content, UnixFileMode.UserRead | UnixFileMode.UserExecute, TarEntryType.RegularFile)));
        digest = SHA512.HashData(archive);
        var recordedDigest = recorded is null ? digest : SHA512.HashData(File.ReadAllBytes(WriteArchive(($"package/vendor/{Platform.TargetTriple}/bin/{Platform.BinaryName}", recorded, UnixFileMode.UserRead | UnixFileMode.UserExecute, TarEntryType.RegularFile))));
        var integrity = new CodexRuntimeIntegrityTable(new Dictionary<string, IDictionary<string, string>>
        {
            [version] = new Dictionary<string, string> { [Platform.Name] = CodexRuntimeIntegrityTable.Format(recordedDigest) },
        });
        var installer = new CodexRuntimeInstaller(new CodexRuntimeInstallOptions
        {
            Version = version,
            Platform = Platform,
            Destination = destination,
            Registry = registry.Url,
            Integrity = integrity,
            Force = force,
            StallTimeout = TimeSpan.FromSeconds(2),
        });
        registry.Serve(installer.ArchiveUri.AbsolutePath, archive);
        return installer;
    }

    private string WriteArchive(params (string Name, string Content, UnixFileMode? Mode, TarEntryType Type)[] entries)
    {
        // Beside _root, not in it: the tests check that an install leaves nothing in _root but the runtime.
        var path = _root + "-archive-" + Guid.NewGuid().ToString("N")[..8] + ".tgz";
        _archives.Add(path);
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Ustar))
        {
            foreach (var (name, content, mode, type) in entries)
            {
                var entry = new UstarTarEntry(type, name) { ModificationTime = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero) };
                if (mode is { } m)
                {
                    entry.Mode = m;
                }

                if (type == TarEntryType.SymbolicLink)
                {
                    entry.LinkName = content;
                }
                else
                {
                    entry.DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content));
                }

                writer.WriteEntry(entry);
            }
        }

        return path;
    }
}
