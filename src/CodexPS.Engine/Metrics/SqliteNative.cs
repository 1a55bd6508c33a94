using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace CodexPS.Engine.Metrics;

/// <summary>
/// Finds the native SQLite library in runtimes/&lt;rid&gt;/native beside the engine. A PowerShell module is not an
/// application with a deps.json, so .NET's own probing would not look there.
/// </summary>
internal static class SqliteNative
{
    private static int _installed;

    public static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref _installed, 1) != 0)
        {
            return;
        }

        try
        {
            NativeLibrary.SetDllImportResolver(typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // The host set a resolver of its own; it knows where its library is.
        }
    }

    private static IntPtr Resolve(string libraryName, System.Reflection.Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != "e_sqlite3")
        {
            return IntPtr.Zero;
        }

        var directory = System.IO.Path.GetDirectoryName(typeof(SqliteNative).Assembly.Location);
        if (string.IsNullOrEmpty(directory))
        {
            return IntPtr.Zero;
        }

        var file = OperatingSystem.IsWindows() ? "e_sqlite3.dll" : OperatingSystem.IsMacOS() ? "libe_sqlite3.dylib" : "libe_sqlite3.so";
        foreach (var rid in RuntimeIds())
        {
            var candidate = System.IO.Path.Combine(directory, "runtimes", rid, "native", file);
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }

    private static IEnumerable<string> RuntimeIds()
    {
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.X86 => "x86",
            Architecture.Arm64 => "arm64",
            Architecture.Arm => "arm",
            var other => other.ToString().ToLowerInvariant(),
        };
        if (OperatingSystem.IsWindows())
        {
            yield return "win-" + arch;
        }
        else if (OperatingSystem.IsMacOS())
        {
            yield return "osx-" + arch;
        }
        else
        {
            if (RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.OrdinalIgnoreCase))
            {
                yield return "linux-musl-" + arch;
            }

            yield return "linux-" + arch;
        }
    }
}
