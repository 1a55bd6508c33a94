using System.Collections.Concurrent;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using CodexPS.Engine;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Metrics;
using CodexPS.Engine.Mock;

namespace CodexPS;

/// <summary>How the session's runtime is (re)started: what Connect-Codex was last given.</summary>
internal sealed class ConnectSettings
{
    public string? CodexPath { get; init; }

    public string? CodexHome { get; init; }

    public MockModelServer? MockProvider { get; init; }

    public System.Collections.IDictionary? Config { get; init; }

    public string? ApiKeyEnvironmentVariable { get; init; }

    /// <summary>An OpenAI-Responses-compatible endpoint (a proxy, Azure, a local server such as Ollama) to use as the model provider.</summary>
    public Uri? BaseUrl { get; init; }

    public string? ProviderName { get; init; }

    /// <summary>The model new conversations use unless they name one.</summary>
    public string? Model { get; init; }

    public string? WorkingDirectory { get; init; }

    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>The watchdog's response timeout (Connect-Codex -ResponseTimeoutSec); zero turns it off, null keeps the default.</summary>
    public TimeSpan? ResponseTimeout { get; init; }

    /// <summary>A file every protocol line is appended to, secrets redacted.</summary>
    public string? LogPath { get; init; }

    /// <summary>The metric store file (Connect-Codex -MetricsPath); null picks the default.</summary>
    public string? MetricsPath { get; init; }

    /// <summary>The runtime's name (Connect-Codex -Name); several named runtimes can run at once.</summary>
    public string Name { get; init; } = ModuleState.DefaultRuntime;

    public int? MaxConversations { get; init; }

    /// <summary>A runtime elsewhere (Connect-Codex -Uri ws://HOST:PORT) instead of a local process.</summary>
    public Uri? Uri { get; init; }

    public System.Security.SecureString? Token { get; init; }

    public TimeSpan? IdleTimeout { get; init; }
}

/// <summary>
/// The module's lifecycle events of every runtime it runs, in one place that outlives reconnects:
/// Register-ObjectEvent -InputObject (Get-CodexStatus).Events -EventName ConversationEvent.
/// </summary>
public sealed class CodexLifecycleEvents
{
    public event EventHandler<CodexConversationEventArgs>? ConversationEvent;

    internal void Forward(object? sender, CodexConversationEventArgs e) => ConversationEvent?.Invoke(sender, e);
}

/// <summary>
/// The session's runtime, mock endpoints and script-block handlers. One runtime serves every cmdlet; it is
/// started on first use and stopped when the module is removed or the host exits.
/// </summary>
internal static class ModuleState
{
    private static readonly object Gate = new();
    private static readonly ConcurrentDictionary<MockModelServer, byte> Mocks = new();
    public const string DefaultRuntime = "default";
    private static readonly Dictionary<string, (CodexClient? Client, ConnectSettings Settings)> Runtimes = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Dictionary<string, CodexPS.Engine.Plugins.CodexPluginSet> PluginSets = new(StringComparer.OrdinalIgnoreCase);
    private static string? _generatedHome;
    private static string? _mockMetricsPath;
    private static CodexMetricsCollector? _metrics;

    public static string ModuleDirectory { get; } = Path.GetDirectoryName(typeof(ModuleState).Assembly.Location) ?? AppContext.BaseDirectory;

    /// <summary>Whatever first touches the session state (a command, a completer) makes removal shut it down.</summary>
    static ModuleState() => ModuleCleanup.MarkUsed();

    /// <summary>Every lifecycle event of every runtime of this session.</summary>
    public static CodexLifecycleEvents Events { get; } = new();

    /// <summary>The default runtime's client.</summary>
    public static CodexClient? Client => ClientFor(DefaultRuntime);

    public static ConnectSettings Settings => SettingsFor(DefaultRuntime);

    public static CodexClient? ClientFor(string? name)
    {
        lock (Gate)
        {
            return Runtimes.TryGetValue(name ?? DefaultRuntime, out var entry) ? entry.Client : null;
        }
    }

    public static ConnectSettings SettingsFor(string? name)
    {
        lock (Gate)
        {
            return Runtimes.TryGetValue(name ?? DefaultRuntime, out var entry) ? entry.Settings : new ConnectSettings { Name = name ?? DefaultRuntime };
        }
    }

    /// <summary>The named runtimes with a client (running or not), the default first.</summary>
    public static IReadOnlyList<(string Name, CodexClient Client)> AllClients
    {
        get
        {
            lock (Gate)
            {
                return Runtimes.Where(r => r.Value.Client is not null)
                    .OrderBy(r => r.Key.Equals(DefaultRuntime, StringComparison.OrdinalIgnoreCase) ? 0 : 1).ThenBy(r => r.Key, StringComparer.OrdinalIgnoreCase)
                    .Select(r => (r.Key, r.Value.Client!)).ToArray();
            }
        }
    }

    /// <summary>A conversation loaded in any runtime of this session.</summary>
    public static CodexConversation? FindConversation(string id)
    {
        foreach (var (_, client) in AllClients)
        {
            if (client.FindConversation(id) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>
    /// A conversation whose runtime died (or was replaced after dying) is resumed in a running runtime of the same
    /// name, started with the same settings when needed; the same object is returned, bound to the new runtime.
    /// </summary>
    public static CodexConversation Recover(CodexConversation conversation, CancellationToken cancellationToken)
    {
        if (conversation.State != CodexConversationState.Detached && conversation.Client.State == CodexRuntimeState.Running)
        {
            return conversation;
        }

        if (conversation.Client.State == CodexRuntimeState.Stopped && conversation.State != CodexConversationState.Detached)
        {
            // Stopped on purpose (Disconnect-Codex): nothing to recover.
            return conversation;
        }

        var client = GetOrStart(conversation.Client.Name, cancellationToken);
        client.AdoptAsync(conversation, cancellationToken).WaitAsync(cancellationToken).GetAwaiter().GetResult();
        return conversation;
    }

    public static IReadOnlyCollection<MockModelServer> MockProviders => Mocks.Keys.ToArray();

    /// <summary>The plugins of a named runtime (Register-CodexPlugin); they outlive reconnects and end with Disconnect-Codex.</summary>
    public static CodexPS.Engine.Plugins.CodexPluginSet PluginsFor(string? name)
    {
        lock (Gate)
        {
            name ??= DefaultRuntime;
            if (!PluginSets.TryGetValue(name, out var set))
            {
                PluginSets[name] = set = new CodexPS.Engine.Plugins.CodexPluginSet(name);
            }

            return set;
        }
    }

    /// <summary>Every runtime's plugin set, the default runtime's first.</summary>
    public static IReadOnlyList<CodexPS.Engine.Plugins.CodexPluginSet> AllPluginSets
    {
        get
        {
            lock (Gate)
            {
                return PluginSets.Values.OrderBy(s => s.RuntimeName.Equals(DefaultRuntime, StringComparison.OrdinalIgnoreCase) ? 0 : 1)
                    .ThenBy(s => s.RuntimeName, StringComparer.OrdinalIgnoreCase).ToArray();
            }
        }
    }

    /// <summary>
    /// Unregisters a runtime's plugins, calling their cleanup (script blocks only on a pipeline thread); returns
    /// the cleanups that failed.
    /// </summary>
    public static IReadOnlyList<CodexException> ClearPlugins(string name)
    {
        CodexPS.Engine.Plugins.CodexPluginSet? set;
        lock (Gate)
        {
            PluginSets.Remove(name, out set);
        }

        return set?.Clear(onPipelineThread: System.Management.Automation.Runspaces.Runspace.DefaultRunspace is not null) ?? Array.Empty<CodexException>();
    }

    /// <summary>The session's metric collector: every runtime the module starts feeds it, and it outlives reconnects.</summary>
    public static CodexMetricsCollector Metrics
    {
        get
        {
            lock (Gate)
            {
                return _metrics ??= new CodexMetricsCollector(new CodexMetricsOptions { StorePath = MetricsPathFor(SettingsFor(DefaultRuntime)) });
            }
        }
    }

    /// <summary>The collector when something has used it already; null otherwise (nothing is started to answer).</summary>
    public static CodexMetricsCollector? MetricsIfStarted
    {
        get
        {
            lock (Gate)
            {
                return _metrics;
            }
        }
    }

    /// <summary>-MetricsPath, else $env:CODEXPS_METRICS_PATH, else a file of this process for mock runs, else the user's data folder.</summary>
    internal static string MetricsPathFor(ConnectSettings settings)
    {
        if (settings.MetricsPath is { Length: > 0 } explicitPath)
        {
            return Path.GetFullPath(explicitPath);
        }

        if (Environment.GetEnvironmentVariable("CODEXPS_METRICS_PATH") is { Length: > 0 } fromEnvironment)
        {
            return Path.GetFullPath(fromEnvironment);
        }

        if (settings.MockProvider is not null)
        {
            return _mockMetricsPath ??= Path.Combine(Path.GetTempPath(), "codexps-metrics-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8] + ".db");
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "CodexPS", "metrics.db");
    }

    /// <summary>The running client, or a new one started with the last Connect-Codex settings (or defaults).</summary>
    public static CodexClient GetOrStart(CancellationToken cancellationToken) => GetOrStart(DefaultRuntime, cancellationToken);

    /// <summary>The named runtime's running client, or a new one started with its last settings (defaults for the default runtime).</summary>
    public static CodexClient GetOrStart(string? name, CancellationToken cancellationToken)
    {
        name ??= DefaultRuntime;
        lock (Gate)
        {
            if (Runtimes.TryGetValue(name, out var entry) && entry.Client is { State: CodexRuntimeState.Running } running)
            {
                return running;
            }

            if (!Runtimes.ContainsKey(name) && !name.Equals(DefaultRuntime, StringComparison.OrdinalIgnoreCase))
            {
                throw new CodexException("CodexRuntimeNotFound", $"No runtime named '{name}' was connected in this session; start it with Connect-Codex -Name {name}.");
            }
        }

        return Connect(SettingsFor(name), cancellationToken);
    }

    /// <summary>Starts a runtime with these settings, replacing (and stopping) the current one.</summary>
    public static CodexClient Connect(ConnectSettings settings, CancellationToken cancellationToken)
    {
        var options = new CodexClientOptions
        {
            CodexPath = settings.CodexPath,
            Config = settings.Config,
            WorkingDirectory = settings.WorkingDirectory,
        };
        if (settings.RequestTimeout is { } timeout)
        {
            options.RequestTimeout = timeout;
        }

        if (settings.ResponseTimeout is { } response)
        {
            options.ResponseTimeout = response > TimeSpan.Zero ? response : null;
        }

        options.LogPath = settings.LogPath;
        options.Name = settings.Name;
        options.MaxConversations = settings.MaxConversations;
        options.IdleTimeout = settings.IdleTimeout;
        var metrics = Metrics;
        var metricsPath = MetricsPathFor(settings);
        if (!string.Equals(metrics.StorePath, metricsPath, StringComparison.Ordinal))
        {
            // The store is opened on the collector's own task; the runtime starts meanwhile.
            _ = metrics.UseStoreAsync(metricsPath);
        }

        options.Metrics = metrics;
        options.Plugins = PluginsFor(settings.Name);
        options.SearchRoots.Add(ModuleDirectory);
        options.CodexHome = settings.CodexHome;
        if (settings.MockProvider is { } mock)
        {
            options.ModelProvider = mock.Provider;

            // A mock session gets its own CODEX_HOME so nothing it does lands in the user's ~/.codex.
            options.CodexHome ??= _generatedHome ??= CreateTempHome();
        }
        else if (settings.BaseUrl is { } baseUrl)
        {
            options.ModelProvider = new CodexModelProvider("codexps_custom", settings.ProviderName ?? "Custom endpoint", baseUrl.AbsoluteUri.TrimEnd('/'))
            {
                EnvKey = settings.ApiKeyEnvironmentVariable,
                DefaultModel = settings.Model,
            };
        }
        else if (settings.ApiKeyEnvironmentVariable is { } variable)
        {
            options.ModelProvider = new CodexModelProvider("codexps_openai", "OpenAI", "https://api.openai.com/v1") { EnvKey = variable, DefaultModel = settings.Model };
        }

        if (options.ModelProvider is null && settings.Model is { } model)
        {
            // No provider of CodexPS's own: the default model goes in as a config override.
            var config = new System.Collections.Hashtable(StringComparer.OrdinalIgnoreCase);
            if (settings.Config is { } given)
            {
                foreach (System.Collections.DictionaryEntry entry in given)
                {
                    config[entry.Key] = entry.Value;
                }
            }

            config["model"] = model;
            options.Config = config;
        }

        var client = (settings.Uri is { } remote
                ? CodexClient.ConnectRemoteAsync(remote, settings.Token, options, cancellationToken)
                : CodexClient.StartAsync(options, cancellationToken))
            .WaitAsync(cancellationToken).GetAwaiter().GetResult();
        client.ConversationEvent += Events.Forward;
        options.Plugins.Bind(client);
        CodexClient? previous;
        lock (Gate)
        {
            previous = Runtimes.TryGetValue(settings.Name, out var entry) ? entry.Client : null;
            Runtimes[settings.Name] = (client, settings);
        }

        if (previous is not null)
        {
            previous.DisposeAsync().AsTask().Wait(5000, CancellationToken.None);
        }

        return client;
    }

    /// <summary>
    /// Stops the named runtime (the default one when null), forgets its settings and unregisters its plugins
    /// (their cleanup runs); returns the plugin cleanups that failed.
    /// </summary>
    public static IReadOnlyList<CodexException> Disconnect(string? name = null)
    {
        CodexClient? previous;
        lock (Gate)
        {
            name ??= DefaultRuntime;
            previous = Runtimes.TryGetValue(name, out var entry) ? entry.Client : null;
            Runtimes.Remove(name);
        }

        IReadOnlyList<CodexException> failed = Array.Empty<CodexException>();
        try
        {
            previous?.DisposeAsync().AsTask().Wait(5000, CancellationToken.None);
        }
        finally
        {
            // Plugins are cleaned up even when the runtime fails to stop.
            failed = ClearPlugins(name);
        }

        return failed;
    }

    /// <summary>Stops every runtime of the session.</summary>
    public static void DisconnectAll()
    {
        string[] names;
        lock (Gate)
        {
            names = Runtimes.Keys.ToArray();
        }

        foreach (var name in names.Union(AllPluginSets.Select(s => s.RuntimeName), StringComparer.OrdinalIgnoreCase).ToArray())
        {
            Disconnect(name);
        }
    }

    public static void AddMock(MockModelServer mock) => Mocks[mock] = 0;

    public static void RemoveMock(MockModelServer mock)
    {
        Mocks.TryRemove(mock, out _);
        mock.DisposeAsync().AsTask().Wait(3000, CancellationToken.None);
    }

    /// <summary>Stops everything the module started (module removal, host exit).</summary>
    public static void Shutdown()
    {
        try
        {
            DisconnectAll();
        }
        finally
        {
            foreach (var mock in Mocks.Keys)
            {
                RemoveMock(mock);
            }

            CodexMetricsCollector? metrics;
            lock (Gate)
            {
                metrics = _metrics;
                _metrics = null;
            }

            metrics?.DisposeAsync().AsTask().Wait(5000, CancellationToken.None);
        }
    }

    private static string CreateTempHome()
    {
        var path = Path.Combine(Path.GetTempPath(), "codexps-home-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        CodexPS.Engine.PrivateFiles.CreateDirectory(path);
        return path;
    }
}

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

    public void OnImport()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => ShutdownIfUsed();
    }

    public void OnRemove(PSModuleInfo psModuleInfo) => ShutdownIfUsed();

    // A separate method so that the JIT meets ModuleState (and the engine) only when something was started.
    private static void ShutdownIfUsed()
    {
        if (_used)
        {
            Shutdown();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Shutdown() => ModuleState.Shutdown();
}
