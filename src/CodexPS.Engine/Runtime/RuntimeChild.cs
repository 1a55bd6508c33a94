namespace CodexPS.Engine.Runtime;

/// <summary>
/// The operating-system side of a runtime process: how it was started so that the terminal's signals do not reach
/// it, its three pipes, its exit and how to end it. <see cref="CodexRuntimeProcess"/> builds everything else on this.
/// </summary>
internal abstract class RuntimeChild : IDisposable
{
    /// <summary>The process id.</summary>
    public abstract int Id { get; }

    /// <summary>The write end of the runtime's stdin; closing it is the runtime's own signal to stop.</summary>
    public abstract Stream StandardInput { get; }

    /// <summary>The read end of the runtime's stdout.</summary>
    public abstract Stream StandardOutput { get; }

    /// <summary>The read end of the runtime's stderr.</summary>
    public abstract Stream StandardError { get; }

    /// <summary>Completes when the process has ended: its exit code, 128 + the signal that ended it, or null when unknown.</summary>
    public abstract Task<int?> Exited { get; }

    /// <summary>Ends the process and everything it started, at once.</summary>
    public abstract void Kill();

    /// <summary>Processor time and working set now; null once the process is gone.</summary>
    public abstract (TimeSpan ProcessorTime, long WorkingSet)? Sample();

    /// <summary>Releases the process handle and the pipes.</summary>
    public abstract void Dispose();

    /// <summary>
    /// Starts the runtime isolated from the terminal: in its own session on Linux and macOS, behind a console of its
    /// own on Windows (and as a plain child elsewhere).
    /// </summary>
    public static RuntimeChild Start(string path, IReadOnlyList<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string> environment)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            return UnixSessionChild.Start(path, arguments, workingDirectory, environment);
        }

        return ConsoleChild.Start(path, arguments, workingDirectory, environment);
    }
}
