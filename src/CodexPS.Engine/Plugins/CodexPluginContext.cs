using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Plugins;

/// <summary>What a plugin is given: the runtime it serves, a way to report warnings and to add events.</summary>
public sealed class CodexPluginContext
{
    private readonly CodexPluginSet _set;
    private readonly CodexPluginRegistration _registration;

    internal CodexPluginContext(CodexPluginSet set, CodexPluginRegistration registration)
    {
        _set = set;
        _registration = registration;
    }

    /// <summary>The name the plugin is registered under.</summary>
    public string PluginName => _registration.Name;

    /// <summary>The runtime's name (Connect-Codex -Name).</summary>
    public string RuntimeName => _set.RuntimeName;

    /// <summary>The runtime's client now (a reconnect replaces it; plugins stay registered); null before it is started.</summary>
    public CodexClient? Client => _set.Client;

    /// <summary>The CodexPS session (one connection to the runtime) of <see cref="Client"/>.</summary>
    public string? SessionId => _set.Client?.SessionId;

    /// <summary>The runtime's version from its initialize answer; null when unknown.</summary>
    public string? RuntimeVersion => _set.Client?.RuntimeVersion;

    /// <summary>CODEX_HOME of the runtime.</summary>
    public string? CodexHome => _set.Client?.CodexHome;

    /// <summary>The module's version.</summary>
    public string ModuleVersion { get; } = typeof(CodexPluginContext).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>
    /// Reports a warning, prefixed with the plugin's name: it is written by the command running the turn (or, outside
    /// a turn, by the next command that uses the runtime).
    /// </summary>
    public void WriteWarning(string message)
    {
        _set.Warn($"Plugin '{PluginName}': {message}");
    }

    /// <summary>
    /// While <see cref="ICodexPlugin.OnEvent"/> runs: adds an event before the one it returns; the plugins after
    /// this one see it too. Outside OnEvent it throws InvalidOperationException.
    /// </summary>
    public void Insert(CodexEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var sink = CodexPluginSet.SinkFor(_registration) ?? throw new InvalidOperationException("Events can be inserted only while the plugin handles an event.");
        sink.Add(evt);
    }
}
