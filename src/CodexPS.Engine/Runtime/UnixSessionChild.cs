using System.ComponentModel;
using System.Diagnostics;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using static CodexPS.Engine.Runtime.PosixSpawnNative;

namespace CodexPS.Engine.Runtime;

/// <summary>
/// The runtime started with posix_spawn in a session of its own (Linux and macOS), so that the terminal's SIGINT,
/// SIGQUIT, SIGTSTP and SIGHUP, which go to the terminal's foreground process group, reach PowerShell only.
/// PowerShell turns Ctrl+C into StopProcessing, which CodexPS turns into turn/interrupt; the runtime and every
/// conversation on it carry on.
/// </summary>
/// <remarks>
/// Why posix_spawn and not the alternatives:
/// - System.Diagnostics.Process cannot start a child in another session or group, and the parent cannot move the
///   child afterwards (setpgid fails with EACCES once the child has exec'd, which Process.Start waits for).
/// - The `setsid` program exists on Linux only (util-linux or busybox; macOS has none) and is one more binary to
///   find; it also forks when it happens to be a group leader, and then the PID we hold is not the runtime's.
/// - posix_spawn with POSIX_SPAWN_SETSID is in glibc, musl and macOS; the child becomes the leader of its session and
///   of its process group (both ids equal its PID), keeps the PID we get back, and has no controlling terminal.
///   A libc without SETSID (glibc before 2.26) rejects the flag; the child then gets its own process group, which
///   is out of the terminal's foreground group as well.
/// It still exits with its owner: the pipes are made close-on-exec (no other child of this process can inherit
/// them), so the write end of the runtime's stdin lives only in this process. When this process dies for any
/// reason the OS closes it, and the runtime exits at end of input.
/// The exit is collected by a dedicated thread in waitpid. .NET's own SIGCHLD handling only reaps the children it
/// started itself (unless SIGCHLD was ignored when the host started; then the exit code is unknown: null).
/// </remarks>
internal sealed class UnixSessionChild : RuntimeChild
{
    private readonly AnonymousPipeServerStream _stdin;
    private readonly AnonymousPipeServerStream _stdout;
    private readonly AnonymousPipeServerStream _stderr;
    private readonly TaskCompletionSource<int?> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Held while the exit is collected and while the process is signalled: once waitpid has collected it the PID
    // may belong to another process, so nothing signals it after that.
    private readonly object _gate = new();
    private bool _collected;
    private Process? _sampler;

    private UnixSessionChild(int pid, AnonymousPipeServerStream stdin, AnonymousPipeServerStream stdout, AnonymousPipeServerStream stderr)
    {
        Id = pid;
        _stdin = stdin;
        _stdout = stdout;
        _stderr = stderr;
        var waiter = new Thread(WaitForExit) { IsBackground = true, Name = $"codex runtime {pid} exit" };
        waiter.Start();
    }

    /// <inheritdoc/>
    public override int Id { get; }

    /// <inheritdoc/>
    public override Stream StandardInput => _stdin;

    /// <inheritdoc/>
    public override Stream StandardOutput => _stdout;

    /// <inheritdoc/>
    public override Stream StandardError => _stderr;

    /// <inheritdoc/>
    public override Task<int?> Exited => _exited.Task;

    /// <summary>Spawns the program in its own session with the three pipes as its stdin, stdout and stderr.</summary>
    public static new UnixSessionChild Start(string path, IReadOnlyList<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string> environment)
    {
        path = Path.GetFullPath(path);
        if (!Directory.Exists(workingDirectory))
        {
            // What Process.Start reports, rather than a spawn failure that would seem to blame the runtime's path.
            throw new DirectoryNotFoundException($"The working directory '{workingDirectory}' does not exist.");
        }

        var stdin = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None);
        var stdout = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        var stderr = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        try
        {
            int pid;
            try
            {
                pid = Spawn(path, arguments, workingDirectory, environment,
                    ClientDescriptor(stdin), ClientDescriptor(stdout), ClientDescriptor(stderr));
            }
            catch (Win32Exception ex)
            {
                throw new CodexRuntimeNotFoundException($"The codex runtime at '{path}' could not be started: {ex.Message}", new[] { path });
            }

            stdin.DisposeLocalCopyOfClientHandle();
            stdout.DisposeLocalCopyOfClientHandle();
            stderr.DisposeLocalCopyOfClientHandle();
            return new UnixSessionChild(pid, stdin, stdout, stderr);
        }
        catch
        {
            stdin.Dispose();
            stdout.Dispose();
            stderr.Dispose();
            throw;
        }
    }

    private static int ClientDescriptor(AnonymousPipeServerStream pipe) => (int)pipe.ClientSafePipeHandle.DangerousGetHandle();

    private static int Spawn(string path, IReadOnlyList<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string> environment, int stdin, int stdout, int stderr)
    {
        var attributes = AllocateZeroed(OpaqueSize);
        var actions = AllocateZeroed(OpaqueSize);
        var signalSet = AllocateZeroed(OpaqueSize);
        var strings = new List<IntPtr>();
        var attributesReady = false;
        var actionsReady = false;
        try
        {
            Check(posix_spawnattr_init(attributes), "posix_spawnattr_init");
            attributesReady = true;
            Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            actionsReady = true;

            // The child starts with no signal blocked, whatever the spawning thread had blocked.
            Check(sigemptyset(signalSet), "sigemptyset");
            Check(posix_spawnattr_setsigmask(attributes, signalSet), "posix_spawnattr_setsigmask");
            var common = SpawnSetSignalMask;
            if (OperatingSystem.IsMacOS())
            {
                common |= SpawnCloseOnExecDefault;
            }

            if (posix_spawnattr_setflags(attributes, (short)(common | SpawnSetSession)) != 0)
            {
                Check(posix_spawnattr_setpgroup(attributes, 0), "posix_spawnattr_setpgroup");
                Check(posix_spawnattr_setflags(attributes, (short)(common | SpawnSetProcessGroup)), "posix_spawnattr_setflags");
            }

            Check(posix_spawn_file_actions_adddup2(actions, stdin, 0), "posix_spawn_file_actions_adddup2");
            Check(posix_spawn_file_actions_adddup2(actions, stdout, 1), "posix_spawn_file_actions_adddup2");
            Check(posix_spawn_file_actions_adddup2(actions, stderr, 2), "posix_spawn_file_actions_adddup2");

            var program = path;
            var argv = new List<string>();
            if (!AddChangeDirectory(actions, workingDirectory, strings))
            {
                // A libc without addchdir (glibc before 2.29): /bin/sh changes directory and execs the runtime in
                // its own place, so the PID is still the runtime's.
                program = "/bin/sh";
                argv.AddRange(new[] { "/bin/sh", "-c", "cd -- \"$1\" || exit 127; shift; exec \"$@\"", "sh", workingDirectory });
            }

            argv.Add(path);
            argv.AddRange(arguments);

            var argvPointers = ToPointers(argv, strings);
            var envPointers = ToPointers(environment.Select(pair => pair.Key + "=" + pair.Value), strings);
            var programPointer = Utf8(program, strings);
            var error = posix_spawn(out var pid, programPointer, actions, attributes, argvPointers, envPointers);
            if (error != 0)
            {
                var reason = Marshal.GetPInvokeErrorMessage(error);
                throw new CodexRuntimeNotFoundException($"The codex runtime at '{path}' could not be started: {reason}", new[] { path });
            }

            return pid;
        }
        finally
        {
            if (actionsReady)
            {
                _ = posix_spawn_file_actions_destroy(actions);
            }

            if (attributesReady)
            {
                _ = posix_spawnattr_destroy(attributes);
            }

            foreach (var pointer in strings)
            {
                Marshal.FreeCoTaskMem(pointer);
            }

            Marshal.FreeHGlobal(signalSet);
            Marshal.FreeHGlobal(actions);
            Marshal.FreeHGlobal(attributes);
        }
    }

    private static bool AddChangeDirectory(IntPtr actions, string workingDirectory, List<IntPtr> strings)
    {
        try
        {
            Check(posix_spawn_file_actions_addchdir_np(actions, Utf8(workingDirectory, strings)), "posix_spawn_file_actions_addchdir_np");
            return true;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public override void Kill()
    {
        lock (_gate)
        {
            // The runtime leads its group, and its PID cannot be reused before its exit is collected under this lock.
            if (_collected)
            {
                return;
            }

            // Frozen first, so that it starts nothing more while its descendants are listed. Some of them (commands
            // run in a terminal of their own) leave the runtime's group and would survive the group signal; they are
            // found while they still name the runtime as parent.
            _ = kill(-Id, SIGSTOP);
            var descendants = OperatingSystem.IsLinux() ? LinuxDescendants(Id) : null;
            if (descendants is null)
            {
                KillTreeThroughProcess();
            }

            _ = kill(-Id, SIGKILL);
            foreach (var descendant in descendants ?? new List<int>())
            {
                _ = kill(descendant, SIGKILL);
            }
        }
    }

    /// <summary>
    /// The runtime's descendants from /proc/PID/task/TID/children: a few small reads, where .NET's tree kill reads
    /// every process on the machine (over a second on a loaded machine). Null when the kernel does not offer them.
    /// </summary>
    private static List<int>? LinuxDescendants(int root)
    {
        try
        {
            var found = new List<int>();
            var pending = new Queue<int>();
            pending.Enqueue(root);
            while (pending.Count > 0 && found.Count < 10_000)
            {
                var pid = pending.Dequeue();
                var tasks = $"/proc/{pid}/task";
                if (!Directory.Exists(tasks))
                {
                    continue;
                }

                foreach (var task in Directory.EnumerateDirectories(tasks))
                {
                    var children = Path.Combine(task, "children");
                    if (!File.Exists(children))
                    {
                        return null;
                    }

                    foreach (var part in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        if (int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var child))
                        {
                            found.Add(child);
                            pending.Enqueue(child);
                        }
                    }
                }
            }

            return found;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A process or thread that ended while being read; the tree as .NET reads it is the fallback.
            return null;
        }
    }

    private void KillTreeThroughProcess()
    {
        try
        {
            using var process = Process.GetProcessById(Id);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Gone already, or the tree could not be read; the group signal still applies.
        }
    }

    /// <inheritdoc/>
    public override (TimeSpan ProcessorTime, long WorkingSet)? Sample()
    {
        lock (_gate)
        {
            if (_collected)
            {
                return null;
            }

            try
            {
                // Not a child in .NET's eyes, so this Process object only reads /proc (or proc_pidinfo) and never reaps it.
                _sampler ??= Process.GetProcessById(Id);
                _sampler.Refresh();
                return (_sampler.TotalProcessorTime, _sampler.WorkingSet64);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or Win32Exception or NotSupportedException)
            {
                return null;
            }
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _stdin.Dispose();
        _stdout.Dispose();
        _stderr.Dispose();
        lock (_gate)
        {
            _sampler?.Dispose();
            _sampler = null;
        }
    }

    private void WaitForExit()
    {
        try
        {
            int result;
            int status;
            if (OperatingSystem.IsLinux())
            {
                // Waits for the exit without collecting it, then collects it under the gate: Kill can never signal
                // a PID that was collected and given to another process.
                var info = AllocateZeroed(OpaqueSize);
                try
                {
                    while (waitid(IdTypePid, Id, info, WaitExited | LinuxWaitNoWait) != 0 && Marshal.GetLastPInvokeError() == EINTR)
                    {
                    }
                }
                finally
                {
                    Marshal.FreeHGlobal(info);
                }

                lock (_gate)
                {
                    result = CollectExit(out status);
                    MarkCollected();
                }
            }
            else
            {
                // macOS: waitid's WNOWAIT is not relied on there; the window between collecting and marking is
                // a few instructions, and the PID would have to be reused within it.
                result = CollectExit(out status);
                lock (_gate)
                {
                    MarkCollected();
                }
            }

            _exited.TrySetResult(result == Id ? ExitCode(status) : null);
        }
        catch (Exception ex)
        {
            _exited.TrySetException(ex);
        }
    }

    private int CollectExit(out int status)
    {
        int result;
        while ((result = waitpid(Id, out status, 0)) == -1 && Marshal.GetLastPInvokeError() == EINTR)
        {
        }

        return result;
    }

    private void MarkCollected()
    {
        _collected = true;
        _sampler?.Dispose();
        _sampler = null;
    }

    /// <summary>The exit code, or 128 + the signal number as a shell (and .NET's Process) reports a killed process.</summary>
    private static int ExitCode(int status)
    {
        var signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }

    private static IntPtr AllocateZeroed(int size)
    {
        var pointer = Marshal.AllocHGlobal(size);
        Marshal.Copy(new byte[size], 0, pointer, size);
        return pointer;
    }

    private static IntPtr[] ToPointers(IEnumerable<string> values, List<IntPtr> strings)
    {
        var pointers = values.Select(value => Utf8(value, strings)).ToList();
        pointers.Add(IntPtr.Zero);
        return pointers.ToArray();
    }

    private static IntPtr Utf8(string value, List<IntPtr> strings)
    {
        var pointer = Marshal.StringToCoTaskMemUTF8(value);
        strings.Add(pointer);
        return pointer;
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new Win32Exception(error, $"{call} failed: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }
}
