using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Plugins;

/// <summary>One registered plugin: its name, the plugin, where it runs and how often it failed.</summary>
public sealed class CodexPluginRegistration
{
    private long _failures;

    internal CodexPluginRegistration(string name, ICodexPlugin plugin, bool onPipelineThread, string runtime)
    {
        Name = name;
        Plugin = plugin;
        RunsOnPipelineThread = onPipelineThread;
        Runtime = runtime;
    }

    /// <summary>The name it is registered (and unregistered) under.</summary>
    public string Name { get; }

    /// <summary>The runtime it serves (Connect-Codex -Name).</summary>
    public string Runtime { get; }

    /// <summary>Its place in the calling order, from 1 (registration order).</summary>
    public int Order { get; internal set; }

    /// <summary>The plugin object itself.</summary>
    public ICodexPlugin Plugin { get; }

    /// <summary>The plugin's type (its .NET type name, or ScriptBlock).</summary>
    public string PluginType => Plugin is IDescribedPlugin described ? described.TypeName : Plugin.GetType().FullName ?? Plugin.GetType().Name;

    /// <summary>True for script-block plugins: called by the command running the turn, on its pipeline thread.</summary>
    public bool RunsOnPipelineThread { get; }

    /// <summary>When the plugin was registered (local time).</summary>
    public DateTimeOffset RegisteredAt { get; } = DateTimeOffset.Now;

    /// <summary>How many times its OnEvent threw.</summary>
    public long FailureCount => Interlocked.Read(ref _failures);

    internal CodexPluginContext? Context { get; set; }

    internal long CountFailure() => Interlocked.Increment(ref _failures);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>A plugin that names its own kind for listings (a script-block plugin says ScriptBlock).</summary>
public interface IDescribedPlugin
{
    /// <summary>What Get-CodexPlugin shows as the plugin's type.</summary>
    string TypeName { get; }
}

/// <summary>
/// The plugins of one runtime, in registration order. It outlives the runtime's client (a reconnect binds the
/// new client to the same set). Engine plugins run on the reader thread as events arrive; plugins added with
/// onPipelineThread run where the consumer calls <see cref="Process"/> with pipelineThread true.
/// </summary>
public sealed class CodexPluginSet
{
    /// <summary>How many failures of one plugin are reported as warnings before they are only counted.</summary>
    public const int ReportedFailures = 10;

    [ThreadStatic]
    private static CodexPluginRegistration? t_current;

    [ThreadStatic]
    private static List<CodexEvent>? t_sink;

    private readonly object _gate = new();
    private CodexPluginRegistration[] _all = Array.Empty<CodexPluginRegistration>();
    private CodexPluginRegistration[] _engine = Array.Empty<CodexPluginRegistration>();
    private CodexPluginRegistration[] _pipeline = Array.Empty<CodexPluginRegistration>();
    private CodexClient? _client;

    /// <summary>An empty set for the runtime of this name (Connect-Codex -Name).</summary>
    public CodexPluginSet(string runtimeName = "default")
    {
        RuntimeName = runtimeName;
    }

    /// <summary>The name of the runtime these plugins serve.</summary>
    public string RuntimeName { get; }

    /// <summary>The client the plugins serve now; null before one is bound.</summary>
    public CodexClient? Client => Volatile.Read(ref _client);

    /// <summary>Every registration, in calling order.</summary>
    public IReadOnlyList<CodexPluginRegistration> Registrations => Volatile.Read(ref _all);

    /// <summary>The script-block (pipeline-thread) plugins in order; empty when there are none (the hot path's check).</summary>
    public CodexPluginRegistration[] PipelinePlugins => Volatile.Read(ref _pipeline);

    /// <summary>The engine plugins in order; empty when there are none (the hot path's check).</summary>
    internal CodexPluginRegistration[] EnginePlugins => Volatile.Read(ref _engine);

    /// <summary>Makes the plugins serve this client (its warnings carry theirs; the context's Client is it).</summary>
    public void Bind(CodexClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        Volatile.Write(ref _client, client);
    }

    /// <summary>The registration of this name (case-insensitive), or null when none has it.</summary>
    public CodexPluginRegistration? Find(string name)
    {
        return Registrations.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Registers a plugin last in the calling order and initializes it. Throws CodexException
    /// CodexPluginAlreadyRegistered (the name is taken), CodexPluginInitializeFailed (Initialize threw; the plugin
    /// is not registered), or ArgumentException for an empty name.
    /// </summary>
    public CodexPluginRegistration Add(ICodexPlugin plugin, string? name = null, bool onPipelineThread = false)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        name ??= plugin.Name;
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A plugin needs a name.", nameof(name));
        }

        if (Find(name) is not null)
        {
            throw Duplicate(name);
        }

        var registration = new CodexPluginRegistration(name, plugin, onPipelineThread, RuntimeName);
        registration.Context = new CodexPluginContext(this, registration);
        try
        {
            plugin.Initialize(registration.Context);
        }
        catch (Exception ex)
        {
            throw new CodexException("CodexPluginInitializeFailed", $"Plugin '{name}' failed to initialize, so it was not registered: {Message(ex)}", ex);
        }

        lock (_gate)
        {
            if (Find(name) is null)
            {
                Publish(_all.Append(registration).ToArray());
                return registration;
            }
        }

        // Someone registered the same name meanwhile: this one is undone.
        TryCleanup(registration);
        throw Duplicate(name);
    }

    /// <summary>Unregisters a plugin and calls its Cleanup. Throws CodexPluginNotFound, or CodexPluginCleanupFailed (it is unregistered all the same).</summary>
    public CodexPluginRegistration Remove(string name)
    {
        CodexPluginRegistration? found;
        lock (_gate)
        {
            found = Find(name) ?? throw new CodexException("CodexPluginNotFound", $"No plugin named '{name}' is registered for runtime '{RuntimeName}'.");
            Publish(_all.Where(r => r != found).ToArray());
        }

        if (TryCleanup(found) is { } error)
        {
            throw new CodexException("CodexPluginCleanupFailed", $"Plugin '{found.Name}' was unregistered, but its cleanup failed: {Message(error)}", error);
        }

        return found;
    }

    /// <summary>
    /// Unregisters every plugin, last first, calling each Cleanup (the runtime is disconnected, the module removed).
    /// Pipeline-thread plugins are cleaned up only when <paramref name="onPipelineThread"/> says the caller is on one.
    /// Returns the cleanups that failed.
    /// </summary>
    public IReadOnlyList<CodexException> Clear(bool onPipelineThread = true)
    {
        CodexPluginRegistration[] all;
        lock (_gate)
        {
            all = _all;
            Publish(Array.Empty<CodexPluginRegistration>());
        }

        var errors = new List<CodexException>();
        foreach (var registration in Enumerable.Reverse(all))
        {
            if (registration.RunsOnPipelineThread && !onPipelineThread)
            {
                continue;
            }

            if (TryCleanup(registration) is { } error)
            {
                errors.Add(new CodexException("CodexPluginCleanupFailed", $"The cleanup of plugin '{registration.Name}' failed: {Message(error)}", error));
            }
        }

        return errors;
    }

    /// <summary>
    /// Runs one event through the plugins (the engine ones, or with <paramref name="pipelineThread"/> the
    /// pipeline-thread ones) and adds what comes out to <paramref name="output"/>, in order: usually the event
    /// or its replacement, nothing when dropped, more when a plugin inserted events. A plugin that throws is
    /// reported through <paramref name="warn"/> (else the client's warnings) and the event goes on unchanged.
    /// </summary>
    public void Process(CodexEvent evt, List<CodexEvent> output, bool pipelineThread = false, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ArgumentNullException.ThrowIfNull(output);
        var plugins = pipelineThread ? PipelinePlugins : EnginePlugins;
        if (plugins.Length == 0)
        {
            output.Add(evt);
            return;
        }

        Run(evt, plugins, 0, output, warn ?? Warn);
    }

    internal void Warn(string message)
    {
        Client?.AddWarning(message);
    }

    /// <summary>The sink of the plugin running OnEvent on this thread, when it is this registration.</summary>
    internal static List<CodexEvent>? SinkFor(CodexPluginRegistration registration) => t_current == registration ? t_sink ??= new List<CodexEvent>() : null;

    private static void Run(CodexEvent evt, CodexPluginRegistration[] plugins, int start, List<CodexEvent> output, Action<string> warn)
    {
        var current = evt;
        for (var i = start; i < plugins.Length; i++)
        {
            var registration = plugins[i];
            var outerCurrent = t_current;
            var outerSink = t_sink;
            t_current = registration;
            t_sink = null;
            CodexEvent? result;
            List<CodexEvent>? inserted;
            try
            {
                result = registration.Plugin.OnEvent(current);
                inserted = t_sink;
            }
            catch (Exception ex)
            {
                ReportFailure(registration, current, ex, warn);
                result = current;
                inserted = null;
            }
            finally
            {
                t_current = outerCurrent;
                t_sink = outerSink;
            }

            if (inserted is { Count: > 0 })
            {
                foreach (var added in inserted)
                {
                    Run(added, plugins, i + 1, output, warn);
                }
            }

            if (!Acceptable(current, result, out var why))
            {
                warn($"Plugin '{registration.Name}' {why}; the event was passed on unchanged.");
                result = current;
            }

            if (result is null)
            {
                return;
            }

            current = result;
        }

        output.Add(current);
    }

    /// <summary>A turn's end and an approval request must reach the consumer as what they are (it answers and ends by them).</summary>
    private static bool Acceptable(CodexEvent original, CodexEvent? result, out string? why)
    {
        why = null;
        switch (original)
        {
            case TurnCompletedEvent when result is not TurnCompletedEvent:
                why = result is null ? "dropped a TurnCompleted event, which cannot be dropped" : $"replaced a TurnCompleted event by a {result.GetType().Name}";
                return false;
            case ApprovalRequestedEvent approval when result is not ApprovalRequestedEvent { } replaced || replaced.Request != approval.Request:
                why = result is null ? "dropped an approval request, which cannot be dropped" : "replaced an approval request by another object";
                return false;
            default:
                return true;
        }
    }

    private static void ReportFailure(CodexPluginRegistration registration, CodexEvent evt, Exception ex, Action<string> warn)
    {
        var count = registration.CountFailure();
        if (count > ReportedFailures)
        {
            return;
        }

        var more = count == ReportedFailures ? " Further failures of this plugin are counted (Get-CodexPlugin) but not reported." : string.Empty;
        warn($"Plugin '{registration.Name}' failed on a {evt.Kind} event ({evt.Method}) and was skipped for it: {Message(ex)}{more}");
    }

    private static Exception? TryCleanup(CodexPluginRegistration registration)
    {
        try
        {
            registration.Plugin.Cleanup();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static CodexException Duplicate(string name) =>
        new("CodexPluginAlreadyRegistered", $"A plugin named '{name}' is already registered; unregister it first (Unregister-CodexPlugin) or choose another name.");

    private static string Message(Exception ex)
    {
        var inner = ex is System.Reflection.TargetInvocationException { InnerException: { } target } ? target : ex;
        return inner.Message;
    }

    /// <summary>Publishes a new list and its engine and pipeline snapshots (called under the gate).</summary>
    private void Publish(CodexPluginRegistration[] all)
    {
        for (var i = 0; i < all.Length; i++)
        {
            all[i].Order = i + 1;
        }

        Volatile.Write(ref _all, all);
        Volatile.Write(ref _engine, all.Where(r => !r.RunsOnPipelineThread).ToArray());
        Volatile.Write(ref _pipeline, all.Where(r => r.RunsOnPipelineThread).ToArray());
    }
}
