using System.Collections.Concurrent;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using CodexPS.Engine.Conversations;
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

    /// <summary>A file every protocol line is appended to, secrets redacted.</summary>
    public string? LogPath { get; init; }
}

/// <summary>
/// The session's runtime, mock endpoints and script-block handlers. One runtime serves every cmdlet; it is
/// started on first use and stopped when the module is removed or the host exits.
/// </summary>
internal static class ModuleState
{
    private static readonly object Gate = new();
    private static readonly ConcurrentDictionary<MockModelServer, byte> Mocks = new();
    private static readonly ConditionalWeakTable<CodexConversation, ScriptBlock> Handlers = new();
    private static CodexClient? _client;
    private static ConnectSettings _settings = new();
    private static string? _generatedHome;

    public static string ModuleDirectory { get; } = Path.GetDirectoryName(typeof(ModuleState).Assembly.Location) ?? AppContext.BaseDirectory;

    public static CodexClient? Client
    {
        get
        {
            lock (Gate)
            {
                return _client;
            }
        }
    }

    public static ConnectSettings Settings
    {
        get
        {
            lock (Gate)
            {
                return _settings;
            }
        }
    }

    public static IReadOnlyCollection<MockModelServer> MockProviders => Mocks.Keys.ToArray();

    /// <summary>The running client, or a new one started with the last Connect-Codex settings (or defaults).</summary>
    public static CodexClient GetOrStart(CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            if (_client is { State: CodexRuntimeState.Running } running)
            {
                return running;
            }
        }

        return Connect(Settings, cancellationToken);
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

        options.LogPath = settings.LogPath;
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

        var client = CodexClient.StartAsync(options, cancellationToken).WaitAsync(cancellationToken).GetAwaiter().GetResult();
        CodexClient? previous;
        lock (Gate)
        {
            previous = _client;
            _client = client;
            _settings = settings;
        }

        if (previous is not null)
        {
            previous.DisposeAsync().AsTask().Wait(5000, CancellationToken.None);
        }

        return client;
    }

    public static void Disconnect()
    {
        CodexClient? previous;
        lock (Gate)
        {
            previous = _client;
            _client = null;
            _settings = new ConnectSettings();
        }

        previous?.DisposeAsync().AsTask().Wait(5000, CancellationToken.None);
    }

    public static void AddMock(MockModelServer mock) => Mocks[mock] = 0;

    public static void RemoveMock(MockModelServer mock)
    {
        Mocks.TryRemove(mock, out _);
        mock.DisposeAsync().AsTask().Wait(3000, CancellationToken.None);
    }

    public static void SetHandler(CodexConversation conversation, ScriptBlock? handler)
    {
        Handlers.Remove(conversation);
        if (handler is not null)
        {
            Handlers.Add(conversation, handler);
        }
    }

    public static ScriptBlock? GetHandler(CodexConversation conversation) => Handlers.TryGetValue(conversation, out var handler) ? handler : null;

    /// <summary>Stops everything the module started (module removal, host exit).</summary>
    public static void Shutdown()
    {
        try
        {
            Disconnect();
        }
        finally
        {
            foreach (var mock in Mocks.Keys)
            {
                RemoveMock(mock);
            }
        }
    }

    private static string CreateTempHome()
    {
        var path = Path.Combine(Path.GetTempPath(), "codexps-home-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>Runs when Remove-Module CodexPS unloads the module: no runtime may outlive it.</summary>
public sealed class ModuleCleanup : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport()
    {
        MockResponse.Unwrap = v => v is PSObject pso ? pso.BaseObject : v;
        Engine.Runtime.CodexConfigOverrides.Unwrap = MockResponse.Unwrap;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => ModuleState.Shutdown();
    }

    public void OnRemove(PSModuleInfo psModuleInfo) => ModuleState.Shutdown();
}
