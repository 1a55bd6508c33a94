using System.Diagnostics;

namespace CodexPS.Hosting;

/// <summary>
/// Opens a URL in the user's browser, where one can be opened: $env:CODEXPS_BROWSER (a program given the URL; empty
/// turns opening off), else the system's way (the shell on Windows, open on macOS, xdg-open under a desktop session on
/// Linux). A service, an SSH session without a display, or a container has none: the caller then shows the URL.
/// </summary>
internal static class BrowserOpener
{
    /// <summary>The variable that names the program to open URLs with (a test, or a browser of the user's choice).</summary>
    public const string Variable = "CODEXPS_BROWSER";

    /// <summary>Opens <paramref name="url"/>; returns what opened it, or null when nothing could.</summary>
    public static string? TryOpen(string url)
    {
        var chosen = Environment.GetEnvironmentVariable(Variable);
        if (chosen is not null)
        {
            return chosen.Length == 0 ? null : Start(chosen, url, shell: false) ? $"${Variable} ({chosen})" : null;
        }

        if (!Environment.UserInteractive)
        {
            return null;
        }

        if (OperatingSystem.IsWindows())
        {
            return Start(url, null, shell: true) ? "the default browser" : null;
        }

        if (OperatingSystem.IsMacOS())
        {
            return Start("open", url, shell: false) ? "open" : null;
        }

        var desktop = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY"));
        return desktop && FindOnPath("xdg-open") is { } opener && Start(opener, url, shell: false) ? "xdg-open" : null;
    }

    private static bool Start(string program, string? url, bool shell)
    {
        try
        {
            var start = new ProcessStartInfo(program) { UseShellExecute = shell };
            if (!shell)
            {
                // An opener's chatter must not land in the console or the pipeline.
                start.RedirectStandardOutput = true;
                start.RedirectStandardError = true;
                start.RedirectStandardInput = true;
            }

            if (url is not null)
            {
                start.ArgumentList.Add(url);
            }

            using var process = Process.Start(start);
            if (process is not null && !shell)
            {
                process.StandardInput.Close();
                _ = process.StandardOutput.ReadToEndAsync();
                _ = process.StandardError.ReadToEndAsync();
            }

            return process is not null || shell;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return false;
        }
    }

    private static string? FindOnPath(string name)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
