using System.Formats.Tar;
using System.IO.Compression;

namespace CodexPS.Engine.Runtime.Install;

/// <summary>
/// Reads a platform package (.tgz) with System.Formats.Tar, no external tar: only package/vendor/&lt;triple&gt;/ is
/// extracted (the binary, its helpers in bin/, rg in codex-path/, codex-resources/ and codex-package.json, which the
/// binary finds beside itself); package.json and README.md are left out. An entry that would leave the folder, a
/// link, a device, or an archive without the binary makes the whole archive invalid.
/// </summary>
public static class CodexRuntimeArchive
{
    private const UnixFileMode PermissionBits = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// Extracts the runtime of <paramref name="platform"/> from <paramref name="archive"/> into the empty folder
    /// <paramref name="destination"/>. <paramref name="onProgress"/> gets the compressed bytes read so far.
    /// Throws InvalidDataException for an archive that is corrupt, unsafe or lacks the binary.
    /// </summary>
    public static async Task ExtractAsync(string archive, CodexRuntimePlatform platform, string destination, Action<long>? onProgress, CancellationToken cancellationToken)
    {
        var prefix = $"package/vendor/{platform.TargetTriple}/";
        var root = Path.GetFullPath(destination);
        var rootWithSeparator = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        Directory.CreateDirectory(root);

        var compressed = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await using (compressed.ConfigureAwait(false))
        {
            var gzip = new GZipStream(compressed, CompressionMode.Decompress);
            await using (gzip.ConfigureAwait(false))
            {
                var reader = new TarReader(gzip);
                await using (reader.ConfigureAwait(false))
                {
                    try
                    {
                        TarEntry? entry;
                        while ((entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false)) is not null)
                        {
                            onProgress?.Invoke(compressed.Position);
                            await ExtractEntryAsync(entry, prefix, rootWithSeparator, cancellationToken).ConfigureAwait(false);
                        }
                    }
                    catch (Exception ex) when (ex is FormatException or EndOfStreamException or ArgumentException)
                    {
                        throw new InvalidDataException($"The archive is not a readable .tgz: {ex.Message}", ex);
                    }
                }
            }
        }

        var binary = Path.Combine(root, platform.RelativeBinaryPath);
        if (!File.Exists(binary))
        {
            throw new InvalidDataException($"The archive holds no {prefix}{platform.RelativeBinaryPath.Replace('\\', '/')}: it is not the codex platform package for {platform.Name}.");
        }

        if (!OperatingSystem.IsWindows())
        {
            // Whatever the archive said, the binary must run for its owner.
            File.SetUnixFileMode(binary, File.GetUnixFileMode(binary) | UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
    }

    private static async Task ExtractEntryAsync(TarEntry entry, string prefix, string rootWithSeparator, CancellationToken cancellationToken)
    {
        var name = entry.Name.Replace('\\', '/');
        if (entry.EntryType is TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes)
        {
            return;
        }

        if (!name.StartsWith(prefix, StringComparison.Ordinal))
        {
            // package.json, README.md: npm's wrapping, not the runtime. Still refused if it tries to escape.
            CheckRelative(name, entry.Name);
            return;
        }

        var relative = name[prefix.Length..].TrimEnd('/');
        if (relative.Length == 0)
        {
            return;
        }

        CheckRelative(relative, entry.Name);
        var target = Path.GetFullPath(Path.Combine(rootWithSeparator, relative.Replace('/', Path.DirectorySeparatorChar)));
        if (!target.StartsWith(rootWithSeparator, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The archive entry '{entry.Name}' would be written outside the runtime's folder.");
        }

        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                Directory.CreateDirectory(target);
                return;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                break;
            default:
                // Links could point outside the folder and devices have no place in a runtime: the real packages hold neither.
                throw new InvalidDataException($"The archive entry '{entry.Name}' is a {entry.EntryType}; a runtime package holds only files and folders.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            // The archive's permission bits (executables stay executable), never set-id or sticky bits; the umask applies.
            options.UnixCreateMode = (entry.Mode & PermissionBits) | UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var output = new FileStream(target, options);
        await using (output.ConfigureAwait(false))
        {
            if (entry.DataStream is { } data)
            {
                await data.CopyToAsync(output, 1 << 16, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static void CheckRelative(string relative, string entryName)
    {
        var segments = relative.Split('/');
        if (Path.IsPathRooted(relative) || relative.StartsWith('/') || segments.Any(s => s is ".." || s.Contains(':', StringComparison.Ordinal)))
        {
            throw new InvalidDataException($"The archive entry '{entryName}' is not a plain relative path.");
        }
    }
}
