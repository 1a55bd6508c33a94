using System.ComponentModel;
using System.Diagnostics;

namespace CodexPS.Engine.Runtime;

/// <summary>
/// The runtime started with System.Diagnostics.Process: the Windows path (and the fallback on Unix systems other than
/// Linux and macOS, where the child shares the terminal's process group).
/// </summary>
/// <remarks>
/// Why this keeps Ctrl+C away from the runtime on Windows: CreateNoWindow makes .NET pass CREATE_NO_WINDOW, so the
/// runtime (a console program) is not attached to the user's console but gets a hidden console of its own. Ctrl+C
/// in a console is delivered (GenerateConsoleCtrlEvent) only to the processes attached to that console; the Win32
/// docs of GenerateConsoleCtrlEvent say "if a process in the group creates a new console, that process does not
/// receive the signal, nor do its descendants". CREATE_NEW_PROCESS_GROUP would add nothing: ProcessStartInfo cannot
/// set it, and with it Ctrl+C is disabled in the child, which this console separation already gives.
/// This path cannot be tested on the Linux machines the tests run on.
/// </remarks>
internal sealed class ConsoleChild : RuntimeChild
{
    private readonly Process _process;
    private readonly Task<int?> _exited;

    private ConsoleChild(Process process)
    {
        _process = process;
        _exited = WaitAsync(process);
    }

    /// <inheritdoc/>
    public override int Id => _process.Id;

    /// <inheritdoc/>
    public override Stream StandardInput => _process.StandardInput.BaseStream;

    /// <inheritdoc/>
    public override Stream StandardOutput => _process.StandardOutput.BaseStream;

    /// <inheritdoc/>
    public override Stream StandardError => _process.StandardError.BaseStream;

    /// <inheritdoc/>
    public override Task<int?> Exited => _exited;

    /// <summary>Starts the process with redirected pipes and no window.</summary>
    public static new ConsoleChild Start(string path, IReadOnlyList<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(path)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Clear();
        foreach (var pair in environment)
        {
            info.Environment[pair.Key] = pair.Value;
        }

        var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new CodexRuntimeNotFoundException($"The codex runtime at '{path}' could not be started: {ex.Message}", new[] { path });
        }

        return new ConsoleChild(process);
    }

    /// <inheritdoc/>
    public override void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Gone already.
        }
    }

    /// <inheritdoc/>
    public override (TimeSpan ProcessorTime, long WorkingSet)? Sample()
    {
        try
        {
            _process.Refresh();
            return (_process.TotalProcessorTime, _process.WorkingSet64);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public override void Dispose() => _process.Dispose();

    private static async Task<int?> WaitAsync(Process process)
    {
        await process.WaitForExitAsync().ConfigureAwait(false);
        return process.ExitCode;
    }
}
