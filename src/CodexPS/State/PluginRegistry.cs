using CodexPS.Engine;
using CodexPS.Engine.Plugins;

namespace CodexPS;

/// <summary>The plugins of each runtime name (Register-CodexPlugin); they outlive reconnects and end when the name's last runtime stops.</summary>
internal static class PluginRegistry
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, CodexPluginSet> Sets = new(StringComparer.OrdinalIgnoreCase);

    public static CodexPluginSet For(string? name)
    {
        lock (Gate)
        {
            name ??= RuntimeRegistry.DefaultName;
            if (!Sets.TryGetValue(name, out var set))
            {
                Sets[name] = set = new CodexPluginSet(name);
            }

            return set;
        }
    }

    /// <summary>Every runtime's plugin set, the default runtime's first.</summary>
    public static IReadOnlyList<CodexPluginSet> All
    {
        get
        {
            lock (Gate)
            {
                return Sets.Values.OrderBy(s => s.RuntimeName.Equals(RuntimeRegistry.DefaultName, StringComparison.OrdinalIgnoreCase) ? 0 : 1)
                    .ThenBy(s => s.RuntimeName, StringComparer.OrdinalIgnoreCase).ToArray();
            }
        }
    }

    /// <summary>
    /// Unregisters a runtime name's plugins, calling their cleanup (script blocks only on a pipeline thread); returns
    /// the cleanups that failed.
    /// </summary>
    public static IReadOnlyList<CodexException> Clear(string name)
    {
        CodexPluginSet? set;
        lock (Gate)
        {
            Sets.Remove(name, out set);
        }

        return set?.Clear(onPipelineThread: System.Management.Automation.Runspaces.Runspace.DefaultRunspace is not null) ?? Array.Empty<CodexException>();
    }
}
