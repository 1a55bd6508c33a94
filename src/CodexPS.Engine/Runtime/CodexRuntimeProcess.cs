using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace CodexPS.Engine.Runtime;

/// <summary>
/// One `codex app-server` process. Its stdin is the only pipe keeping it alive: when this process dies for any
/// reason the OS closes that pipe and the runtime exits, so it cannot be orphaned.
/// </summary>
public sealed partial class CodexRuntimeProcess : IAsyncDisposable
{
    private const int StderrLines = 60;
    private const int StderrLineLength = 1000;
    private static readonly ConcurrentDictionary<CodexRuntimeProcess, byte> Live = new();

    private readonly Process _process;
    private readonly Queue<string> _stderr = new();
    private readonly Task<int> _exited;
    private int _disposed;

    static CodexRuntimeProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAllNow();
    }

    private CodexRuntimeProcess(Process process)
    {
        _process = process;
        _exited = WaitForExitAsync(process);
    }

    public int Id => _process.Id;

    public Stream StandardInput => _process.StandardInput.BaseStream;

    public Stream StandardOutput => _process.StandardOutput.BaseStream;

    /// <summary>Completes with the exit code when the process has ended.</summary>
    public Task<int> Exited => _exited;

    public bool HasExited => _exited.IsCompleted;

    /// <summary>Starts `codex app-server --disable plugins` with a dedicated environment.</summary>
    public static CodexRuntimeProcess Start(string codexPath, string codexHome, string workingDirectory,
        IReadOnlyList<KeyValuePair<string, string>> configOverrides, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(codexPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            WorkingDirectory = workingDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("app-server");
        info.ArgumentList.Add("--disable");
        info.ArgumentList.Add("plugins");
        foreach (var pair in configOverrides)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(pair.Key + "=" + pair.Value);
        }

        info.Environment["CODEX_HOME"] = codexHome;
        info.Environment["CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG"] = "1";
        info.Environment["RUST_LOG"] = "warn";
        info.Environment["NO_COLOR"] = "1";
        if (environment is not null)
        {
            foreach (var pair in environment)
            {
                if (pair.Value is null)
                {
                    info.Environment.Remove(pair.Key);
                }
                else
                {
                    info.Environment[pair.Key] = pair.Value;
                }
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var runtime = new CodexRuntimeProcess(process);
        process.ErrorDataReceived += (_, e) => runtime.AddStderr(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new CodexRuntimeNotFoundException(
                $"The codex runtime at '{codexPath}' could not be started: {ex.Message}", new[] { codexPath });
        }

        runtime._started.TrySetResult();
        process.BeginErrorReadLine();
        Live[runtime] = 0;
        return runtime;
    }

    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
        try
        {
            _process.StandardInput.Close();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            // Already closed or never opened.
        }

        try
        {
            await _exited.WaitAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Kill();
        }

        _process.Dispose();
    }

    /// <summary>The process's processor time and working set now; null once it has exited or been disposed.</summary>
    internal (TimeSpan ProcessorTime, long WorkingSet)? Sample()
    {
        try
        {
            if (Volatile.Read(ref _disposed) != 0 || HasExited)
            {
                return null;
            }

            _process.Refresh();
            return (_process.TotalProcessorTime, _process.WorkingSet64);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Ends the process (and anything it started) at once.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Gone already.
        }
    }

    private static void StopAllNow()
    {
        foreach (var runtime in Live.Keys)
        {
            try
            {
                runtime._process.StandardInput.Close();
            }
            catch (Exception)
            {
                // Best effort at host exit.
            }

            if (!runtime._exited.Wait(TimeSpan.FromMilliseconds(500)))
            {
                runtime.Kill();
            }
        }
    }

    private async Task<int> WaitForExitAsync(Process process)
    {
        await _started.Task.ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        Live.TryRemove(this, out _);
        return process.ExitCode;
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
