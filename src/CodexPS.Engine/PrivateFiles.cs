namespace CodexPS.Engine;

/// <summary>
/// Files and folders that may hold secrets or private content (recordings, metric stores, protocol logs) are created
/// readable by their owner only: mode 0600 for files and 0700 for the folders CodexPS creates, on Unix. Existing
/// files and folders keep the mode their owner gave them. On Windows the user's profile ACLs apply as they are.
/// </summary>
public static class PrivateFiles
{
    /// <summary>Read and write for the owner only (0600).</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Read, write and search for the owner only (0700).</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Opens a file; when this creates it, it is created with mode 0600 before a byte is written.</summary>
    public static FileStream Open(string path, System.IO.FileMode mode, FileAccess access, FileShare share, int bufferSize = 4096, FileOptions options = FileOptions.None)
    {
        var settings = new FileStreamOptions
        {
            Mode = mode,
            Access = access,
            Share = share,
            BufferSize = bufferSize,
            Options = options,
        };
        if (!OperatingSystem.IsWindows() && mode != System.IO.FileMode.Open && mode != System.IO.FileMode.Truncate)
        {
            settings.UnixCreateMode = FileMode;
        }

        return new FileStream(path, settings);
    }

    /// <summary>Creates a folder and any missing parents with mode 0700 (folders that exist are left as they are).</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            // Directory.CreateDirectory(path, mode) gives the mode to the last folder only; missing parents get it too.
            var missing = new Stack<string>();
            for (var folder = Path.GetFullPath(path); !string.IsNullOrEmpty(folder) && !Directory.Exists(folder); folder = Path.GetDirectoryName(folder))
            {
                missing.Push(folder);
            }

            while (missing.TryPop(out var folder))
            {
                Directory.CreateDirectory(folder, DirectoryMode);
            }
        }
    }

    /// <summary>Creates the folder that will hold <paramref name="file"/> (see <see cref="CreateDirectory"/>).</summary>
    public static void CreateParent(string file)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(file));
        if (!string.IsNullOrEmpty(directory))
        {
            CreateDirectory(directory);
        }
    }

    /// <summary>Creates an empty file with mode 0600 when it does not exist yet (for files another library opens, such as SQLite).</summary>
    public static void EnsureFile(string path)
    {
        try
        {
            using (Open(path, System.IO.FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite))
            {
            }
        }
        catch (IOException) when (File.Exists(path))
        {
            // It exists already: its mode is its owner's business.
        }
    }
}
