using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace CodexPS.Engine.Runtime;

/// <summary>
/// One `codex app-server` process. Its stdin is the only pipe keeping it alive: when this process dies for any
/// reason the OS closes that pipe and the runtime exits, so it cannot be orphaned. It runs apart from the terminal
/// (its own session on Unix, its own hidden console on Windows: see <see cref="RuntimeChild"/>), so a Ctrl+C typed
/// in the terminal reaches PowerShell, which interrupts the turn, and never the runtime.
/// </summary>
public sealed partial class CodexRuntimeProcess : IAsyncDisposable
{
    private const int StderrLines = 60;
    private const int StderrLineLength = 1000;
    private static readonly ConcurrentDictionary<CodexRuntimeProcess, byte> Live = new();

    private readonly RuntimeChild _child;
    private readonly Queue<string> _stderr = new();
    private readonly Task _stderrRead;
    private readonly Task<int?> _exited;
    private int _disposed;

    static CodexRuntimeProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAllNow();
    }

    private CodexRuntimeProcess(RuntimeChild child)
    {
        _child = child;
        _stderrRead = ReadStderrAsync(child.StandardError);
        _exited = WaitForExitAsync();
    }

    /// <summary>The runtime's process id.</summary>
    public int Id => _child.Id;

    /// <summary>The runtime's stdin: JSON-RPC lines go here.</summary>
    public Stream StandardInput => _child.StandardInput;

    /// <summary>The runtime's stdout: JSON-RPC lines come from here.</summary>
    public Stream StandardOutput => _child.StandardOutput;

    /// <summary>Completes with the exit code when the process has ended (and its stderr has been read); null when unknown.</summary>
    public Task<int?> Exited => _exited;

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _exited.IsCompleted;

    /// <summary>Starts `codex app-server --disable plugins` with a dedicated environment.</summary>
    public static CodexRuntimeProcess Start(string codexPath, string codexHome, string workingDirectory,
        IReadOnlyList<KeyValuePair<string, string>> configOverrides, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var arguments = new List<string> { "app-server", "--disable", "plugins" };
        foreach (var pair in configOverrides)
        {
            arguments.Add("-c");
            arguments.Add(pair.Key + "=" + pair.Value);
        }

        var runtime = new CodexRuntimeProcess(RuntimeChild.Start(codexPath, arguments, workingDirectory, RuntimeEnvironment(codexHome, environment)));
        Live[runtime] = 0;
        return runtime;
    }

    /// <summary>This process's environment with the runtime's own settings and the caller's changes (null removes).</summary>
    private static Dictionary<string, string> RuntimeEnvironment(string codexHome, IReadOnlyDictionary<string, string?>? changes)
    {
        var result = new Dictionary<string, string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Value is string value)
            {
                result[(string)entry.Key] = value;
            }
        }

        result["CODEX_HOME"] = codexHome;
        result["CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG"] = "1";
        result["RUST_LOG"] = "warn";
        result["NO_COLOR"] = "1";
        foreach (var pair in changes ?? new Dictionary<string, string?>())
        {
            if (pair.Value is null)
            {
                result.Remove(pair.Key);
            }
            else
            {
                result[pair.Key] = pair.Value;
            }
        }

        return result;
    }

    /// <summary>The last lines the runtime wrote to stderr, colour codes removed.</summary>
    public string StderrTail(int lines = 20)
    {
        lock (_stderr)
        {
            return string.Join(Environment.NewLine, _stderr.Skip(Math.Max(0, _stderr.Count - lines)));
        }
    }

    /// <summary>Builds the error that explains why the runtime's output ended.</summary>
    public async Task<Exception> ExitErrorAsync()
    {
        int? code = null;
        try
        {
            code = await _exited.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Output closed but the process lingers; report what we know.
        }

        return new CodexRuntimeExitedException(code, StderrTail());
    }

    /// <summary>Closes stdin (the runtime's own way to stop), then kills the process tree if it lingers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Live.TryRemove(this, out _);
        CloseStandardInput();

        try
        {
            await _exited.WaitAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Kill();
        }

        _child.Dispose();
    }

    /// <summary>The process's processor time and working set now; null once it has exited or been disposed.</summary>
    internal (TimeSpan ProcessorTime, long WorkingSet)? Sample()
    {
        if (Volatile.Read(ref _disposed) != 0 || HasExited)
        {
            return null;
        }

        return _child.Sample();
    }

    /// <summary>Ends the process (and anything it started) at once.</summary>
    public void Kill() => _child.Kill();

    private void CloseStandardInput()
    {
        try
        {
            _child.StandardInput.Dispose();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
            // Already closed, or the runtime is gone and the last write cannot be flushed.
        }
    }

    private static void StopAllNow()
    {
        foreach (var runtime in Live.Keys)
        {
            runtime.CloseStandardInput();
            try
            {
                // Host exit: half a second to go on its own, then it is killed.
                SyncWait.Wait(runtime._exited.WaitAsync(TimeSpan.FromMilliseconds(500)), CancellationToken.None);
            }
            catch (TimeoutException)
            {
                runtime.Kill();
            }
        }
    }

    private async Task<int?> WaitForExitAsync()
    {
        var code = await _child.Exited.ConfigureAwait(false);

        // The tail explains the exit only once it is read to the end; a process the runtime started may still hold
        // stderr open, and must not hold back the exit.
        await Task.WhenAny(_stderrRead, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        Live.TryRemove(this, out _);
        return code;
    }

    private async Task ReadStderrAsync(Stream stderr)
    {
        // Yields at once, so that the constructor never waits for the runtime's first line.
        await Task.Yield();
        try
        {
            using var reader = new StreamReader(stderr, Encoding.UTF8);
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                AddStderr(line);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Closed by Dispose.
        }
    }

    private void AddStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        line = AnsiEscape().Replace(line, string.Empty);
        if (line.Length > StderrLineLength)
        {
            line = line[..StderrLineLength] + "…";
        }

        lock (_stderr)
        {
            _stderr.Enqueue(line);
            while (_stderr.Count > StderrLines)
            {
                _stderr.Dequeue();
            }
        }
    }

    [GeneratedRegex("\u001b\\[[0-9;]*[A-Za-z]")]
    private static partial Regex AnsiEscape();
}
