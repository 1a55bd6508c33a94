using System.Management.Automation;
using System.Management.Automation.Runspaces;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Plugins;
using CodexPS.Engine.Protocol;

namespace CodexPS;

/// <summary>
/// A plugin made of script blocks (Register-CodexPlugin -Name -OnEvent [-OnInitialize] [-OnCleanup]). It runs on
/// the pipeline thread of the command running the turn (PowerShell script blocks belong to their runspace), after
/// the engine's (.NET) plugins. $_ is the event (or, for OnInitialize, the context); OnEvent's output replaces the
/// event when it is a CodexEvent, and leaves it as it is otherwise.
/// </summary>
public sealed class CodexScriptBlockPlugin : ICodexPlugin, IDescribedPlugin
{
    internal CodexScriptBlockPlugin(string name, ScriptBlock? onInitialize, ScriptBlock onEvent, ScriptBlock? onCleanup)
    {
        Name = name;
        OnInitializeScript = onInitialize;
        OnEventScript = onEvent;
        OnCleanupScript = onCleanup;
    }

    /// <summary>The name the plugin was registered with.</summary>
    public string Name { get; }

    /// <summary>Runs once when the plugin is initialized, with the context as $_; null for none.</summary>
    public ScriptBlock? OnInitializeScript { get; }

    /// <summary>Runs for every event, with the event as $_; a CodexEvent in its output replaces the event.</summary>
    public ScriptBlock OnEventScript { get; }

    /// <summary>Runs once when the plugin is unregistered, its runtime disconnected or the module removed, with the context as $_; null for none.</summary>
    public ScriptBlock? OnCleanupScript { get; }

    /// <summary>The context it was initialized with.</summary>
    public CodexPluginContext? Context { get; private set; }

    string IDescribedPlugin.TypeName => "ScriptBlock";

    /// <summary>Keeps the context and runs OnInitializeScript with it.</summary>
    public void Initialize(CodexPluginContext context)
    {
        Context = context;
        if (OnInitializeScript is { } script)
        {
            Invoke(script, context);
        }
    }

    /// <summary>Runs OnEventScript; returns the last CodexEvent it output, or the event unchanged.</summary>
    public CodexEvent? OnEvent(CodexEvent evt)
    {
        var output = Invoke(OnEventScript, evt);
        for (var i = output.Count - 1; i >= 0; i--)
        {
            if (output[i]?.BaseObject is CodexEvent replacement)
            {
                return replacement;
            }
        }

        return evt;
    }

    /// <summary>Runs OnCleanupScript, only on a PowerShell thread (at process exit nobody can run it).</summary>
    public void Cleanup()
    {
        // Script blocks run only on a pipeline thread: at process exit nobody can run them.
        if (OnCleanupScript is { } script && Runspace.DefaultRunspace is not null)
        {
            Invoke(script, Context);
        }
    }

    private static System.Collections.ObjectModel.Collection<PSObject> Invoke(ScriptBlock script, object? argument)
    {
        var variables = new List<PSVariable> { new("_", argument), new("PSItem", argument) };
        return script.InvokeWithContext(null, variables, argument);
    }
}

/// <summary>Runs the script-block plugins of a turn's events on the pipeline thread.</summary>
internal static class PluginSupport
{
    /// <summary>
    /// Passes a batch of events through the runtime's script-block plugins, in place. Costs one array check per
    /// batch when there are none. A plugin that throws is a warning of this command; the event goes on unchanged.
    /// </summary>
    public static void RunScriptPlugins(Cmdlet cmdlet, CodexClient client, List<CodexEvent> batch)
    {
        var plugins = client.Plugins;
        if (plugins.PipelinePlugins.Length == 0 || batch.Count == 0)
        {
            return;
        }

        var output = new List<CodexEvent>(batch.Count);
        foreach (var evt in batch)
        {
            if (evt is CodexNoticeEvent)
            {
                output.Add(evt); // a warning or log line of CodexPS's own, not the runtime's: plugins never see it
                continue;
            }

            plugins.Process(evt, output, pipelineThread: true, warn: cmdlet.WriteWarning);
        }

        batch.Clear();
        batch.AddRange(output);
    }
}
