using System.Runtime.InteropServices;

namespace CodexPS.Engine.Runtime;

/// <summary>
/// The libc calls that start a process in a session of its own and wait for it (Linux glibc and musl, macOS).
/// "libc" is the name .NET maps to the platform's C library on each of them.
/// </summary>
/// <remarks>
/// The spawn attribute and file-action objects are opaque and their sizes differ (glibc and musl: 336 and 80 bytes;
/// macOS: one pointer), so callers hand in buffers of <see cref="OpaqueSize"/> bytes, more than any of them needs.
/// sigset_t is 128 bytes on Linux and 4 on macOS; siginfo_t is 128 and 104.
/// </remarks>
internal static class PosixSpawnNative
{
    private const string Libc = "libc";

    /// <summary>Bytes allocated for each opaque libc structure.</summary>
    public const int OpaqueSize = 1024;

    public const int EINTR = 4;
    public const int ECHILD = 10;
    public const int EINVAL = 22;
    public const int ESRCH = 3;
    public const int SIGKILL = 9;

    /// <summary>SIGSTOP: 19 on Linux, 17 on macOS.</summary>
    public static int SIGSTOP => OperatingSystem.IsMacOS() ? 17 : 19;

    public const short SpawnSetProcessGroup = 0x02;
    public const short SpawnSetSignalMask = 0x08;

    /// <summary>POSIX_SPAWN_SETSID: glibc 2.26+ and musl 1.1.24+ (0x80), macOS 10.15+ (0x400).</summary>
    public static short SpawnSetSession => OperatingSystem.IsMacOS() ? (short)0x0400 : (short)0x80;

    /// <summary>Apple's POSIX_SPAWN_CLOEXEC_DEFAULT: the child gets only the descriptors the file actions give it.</summary>
    public const short SpawnCloseOnExecDefault = 0x4000;

    /// <summary>waitid's P_PID, WEXITED and (Linux) WNOWAIT: wait for the exit without collecting it.</summary>
    public const int IdTypePid = 1;
    public const int WaitExited = 4;
    public const int LinuxWaitNoWait = 0x01000000;

    [DllImport(Libc)]
    public static extern int posix_spawnattr_init(IntPtr attributes);

    [DllImport(Libc)]
    public static extern int posix_spawnattr_destroy(IntPtr attributes);

    [DllImport(Libc)]
    public static extern int posix_spawnattr_setflags(IntPtr attributes, short flags);

    [DllImport(Libc)]
    public static extern int posix_spawnattr_setpgroup(IntPtr attributes, int processGroup);

    [DllImport(Libc)]
    public static extern int posix_spawnattr_setsigmask(IntPtr attributes, IntPtr signalSet);

    [DllImport(Libc)]
    public static extern int sigemptyset(IntPtr signalSet);

    [DllImport(Libc)]
    public static extern int posix_spawn_file_actions_init(IntPtr actions);

    [DllImport(Libc)]
    public static extern int posix_spawn_file_actions_destroy(IntPtr actions);

    [DllImport(Libc)]
    public static extern int posix_spawn_file_actions_adddup2(IntPtr actions, int descriptor, int target);

    /// <summary>glibc 2.29+, musl 1.1.24+, macOS 10.15+; older libcs lack the entry point.</summary>
    [DllImport(Libc)]
    public static extern int posix_spawn_file_actions_addchdir_np(IntPtr actions, IntPtr path);

    [DllImport(Libc)]
    public static extern int posix_spawn(out int pid, IntPtr path, IntPtr actions, IntPtr attributes, IntPtr[] argv, IntPtr[] envp);

    [DllImport(Libc, SetLastError = true)]
    public static extern int waitpid(int pid, out int status, int options);

    [DllImport(Libc, SetLastError = true)]
    public static extern int waitid(int idType, int id, IntPtr info, int options);

    [DllImport(Libc, SetLastError = true)]
    public static extern int kill(int pid, int signal);
}
