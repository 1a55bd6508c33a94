using System.Management.Automation;
using System.Runtime.CompilerServices;

namespace CodexPS;

/// <summary>
/// Runs when the module is imported and removed: no runtime may outlive it. Import runs no engine code and starts
/// nothing: PowerShell's cmdlet discovery loads the CodexPS.Engine assembly (the cmdlets' parameter types live there),
/// but no engine type is initialised and SQLite is not loaded until first use; the engine's hooks are installed by
/// <see cref="CodexCmdlet"/> before any command runs.
/// </summary>
public sealed class ModuleCleanup : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static volatile bool _used;

    /// <summary>Called when the session state is first touched; until then there is nothing to shut down.</summary>
    internal static void MarkUsed() => _used = true;

    /// <summary>Hooks process exit, so that whatever the module started is shut down with the host.</summary>
    public void OnImport()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => ShutdownIfUsed();
    }

    /// <summary>Shuts down whatever the module started, when it is removed.</summary>
    public void OnRemove(PSModuleInfo psModuleInfo) => ShutdownIfUsed();

    // A separate method so that the JIT meets the session state (and the engine) only when something was started.
    private static void ShutdownIfUsed()
    {
        if (_used)
        {
            Shutdown();
        }
    }

    /// <summary>Stops everything the module started (module removal, host exit): runtimes first, then mocks and metrics.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Shutdown()
    {
        try
        {
            RuntimeRegistry.StopAll();
        }
        finally
        {
            try
            {
                MockRegistry.StopAll();
            }
            finally
            {
                SessionMetrics.Stop();
            }
        }
    }
}
