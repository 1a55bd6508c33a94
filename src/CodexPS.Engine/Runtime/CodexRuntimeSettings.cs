using System.Collections;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Mock;

namespace CodexPS.Engine.Runtime;

/// <summary>
/// Who a runtime is: what Connect-Codex was given, with CODEX_HOME pinned to one folder. A runtime keeps these for its
/// whole life and every conversation on it carries them, so a runtime restarted after a crash is the same runtime
/// (same CODEX_HOME, provider, config, endpoint), never one started with defaults.
/// </summary>
public sealed record CodexRuntimeSettings
{
    /// <summary>The name of the runtime used when none is given.</summary>
    public const string DefaultName = "default";

    /// <summary>An explicit runtime binary; otherwise the locator's rules apply.</summary>
    public string? CodexPath { get; init; }

    /// <summary>CODEX_HOME for the runtime. A local runtime is started only once this is pinned (see <see cref="WithCodexHome"/>).</summary>
    public string? CodexHome { get; init; }

    /// <summary>A mock endpoint to use as the model provider.</summary>
    public MockModelServer? MockProvider { get; init; }

    /// <summary>Runtime config overrides (dotted keys or nested dictionaries), as codex's -c key=value.</summary>
    public IDictionary? Config { get; init; }

    /// <summary>The environment variable the provider's API key is read from.</summary>
    public string? ApiKeyEnvironmentVariable { get; init; }

    /// <summary>An OpenAI-Responses-compatible endpoint (a proxy, Azure, a local server such as Ollama) to use as the model provider.</summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>The display name of the <see cref="BaseUrl"/> provider.</summary>
    public string? ProviderName { get; init; }

    /// <summary>The model new conversations use unless they name one.</summary>
    public string? Model { get; init; }

    /// <summary>The runtime process's working directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>How long a request may wait for its answer; null keeps the client's default.</summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>The watchdog's response timeout; zero turns it off, null keeps the default.</summary>
    public TimeSpan? ResponseTimeout { get; init; }

    /// <summary>A file every protocol line is appended to, secrets redacted.</summary>
    public string? LogPath { get; init; }

    /// <summary>The metric store file; null picks the default.</summary>
    public string? MetricsPath { get; init; }

    /// <summary>The runtime's name (Connect-Codex -Name); several named runtimes can run at once.</summary>
    public string Name { get; init; } = DefaultName;

    /// <summary>The most conversations loaded at once; null: no limit.</summary>
    public int? MaxConversations { get; init; }

    /// <summary>A runtime elsewhere (ws://HOST:PORT) instead of a local process.</summary>
    public Uri? Uri { get; init; }

    /// <summary>The capability token of the <see cref="Uri"/> runtime.</summary>
    public System.Security.SecureString? Token { get; init; }

    /// <summary>Conversations idle this long are unloaded; null: never.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>
    /// Changes to the environment the local runtime inherits from this process: a value sets the variable, null removes
    /// it. The values can be secrets (a proxy password, a key): they go to the runtime process only, never to a log.
    /// </summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Whether the runtime is initialized with the experimental API (needed by ChatGPT access-token logins).</summary>
    public bool ExperimentalApi { get; init; }

    /// <summary>The pool this runtime is a member of (its <see cref="Name"/> is then the member's, such as farm/2); null for a runtime on its own.</summary>
    public string? Pool { get; init; }

    /// <summary>Whether a local runtime would be started in a folder the caller did not choose yet (no CODEX_HOME pinned).</summary>
    public bool NeedsCodexHome => Uri is null && string.IsNullOrEmpty(CodexHome);

    /// <summary>These settings with CODEX_HOME pinned to an absolute folder.</summary>
    public CodexRuntimeSettings WithCodexHome(string codexHome)
    {
        ArgumentException.ThrowIfNullOrEmpty(codexHome);
        return this with { CodexHome = Path.GetFullPath(codexHome) };
    }

    /// <summary>
    /// The CODEX_HOME a runtime started without -CodexHome gets: $CODEX_HOME, else ~/.codex. Only ever asked when a
    /// runtime is first connected; a restart reuses what was pinned then.
    /// </summary>
    public static string DefaultCodexHome(string? codexHomeVariable, string userProfile) =>
        Path.GetFullPath(string.IsNullOrEmpty(codexHomeVariable) ? Path.Combine(userProfile, ".codex") : codexHomeVariable);

    /// <summary>
    /// Whether a runtime started with <paramref name="other"/> would be the same runtime as one started with these: then
    /// a Connect-Codex joins the running one instead of restarting it. The config is compared by what it tells codex.
    /// </summary>
    public bool IsSameRuntimeAs(CodexRuntimeSettings? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return string.Equals(Name, other.Name, StringComparison.OrdinalIgnoreCase)
            && PathEquals(CodexPath, other.CodexPath)
            && PathEquals(CodexHome, other.CodexHome)
            && ReferenceEquals(MockProvider, other.MockProvider)
            && string.Equals(ApiKeyEnvironmentVariable, other.ApiKeyEnvironmentVariable, StringComparison.Ordinal)
            && Equals(BaseUrl, other.BaseUrl)
            && string.Equals(ProviderName, other.ProviderName, StringComparison.Ordinal)
            && string.Equals(Model, other.Model, StringComparison.Ordinal)
            && PathEquals(WorkingDirectory, other.WorkingDirectory)
            && RequestTimeout == other.RequestTimeout
            && ResponseTimeout == other.ResponseTimeout
            && PathEquals(LogPath, other.LogPath)
            && PathEquals(MetricsPath, other.MetricsPath)
            && MaxConversations == other.MaxConversations
            && Equals(Uri, other.Uri)
            && ReferenceEquals(Token, other.Token)
            && IdleTimeout == other.IdleTimeout
            && ExperimentalApi == other.ExperimentalApi
            && string.Equals(Pool, other.Pool, StringComparison.OrdinalIgnoreCase)
            && EnvironmentEquals(Environment, other.Environment)
            && ConfigEquals(Config, other.Config);
    }

    /// <summary>
    /// The engine options these settings start a runtime with. Plain and without side effects: the session's metric
    /// collector, plugin set and search roots are the caller's to add. A local runtime must have its CODEX_HOME pinned
    /// first, so nothing is ever started in a folder the caller did not choose.
    /// </summary>
    public CodexClientOptions ToClientOptions()
    {
        if (NeedsCodexHome)
        {
            throw new InvalidOperationException($"The settings of runtime '{Name}' have no CODEX_HOME; pin one (WithCodexHome) before starting it.");
        }

        var options = new CodexClientOptions
        {
            CodexPath = CodexPath,
            CodexHome = CodexHome,
            Config = Config,
            WorkingDirectory = WorkingDirectory,
            LogPath = LogPath,
            Name = Name,
            MaxConversations = MaxConversations,
            IdleTimeout = IdleTimeout,
            ExperimentalApi = ExperimentalApi,
            Pool = Pool,
        };
        foreach (var (name, value) in Environment ?? new Dictionary<string, string?>())
        {
            options.Environment[name] = value;
        }

        if (RequestTimeout is { } timeout)
        {
            options.RequestTimeout = timeout;
        }

        if (ResponseTimeout is { } response)
        {
            options.ResponseTimeout = response > TimeSpan.Zero ? response : null;
        }

        if (MockProvider is { } mock)
        {
            options.ModelProvider = mock.Provider;
        }
        else if (BaseUrl is { } baseUrl)
        {
            options.ModelProvider = new CodexModelProvider("codexps_custom", ProviderName ?? "Custom endpoint", baseUrl.AbsoluteUri.TrimEnd('/'))
            {
                EnvKey = ApiKeyEnvironmentVariable,
                DefaultModel = Model,
            };
        }
        else if (ApiKeyEnvironmentVariable is { } variable)
        {
            options.ModelProvider = new CodexModelProvider("codexps_openai", "OpenAI", "https://api.openai.com/v1") { EnvKey = variable, DefaultModel = Model };
        }

        if (options.ModelProvider is null && Model is { } model)
        {
            // No provider of CodexPS's own: the default model goes in as a config override.
            var config = new Hashtable(StringComparer.OrdinalIgnoreCase);
            if (Config is { } given)
            {
                foreach (DictionaryEntry entry in given)
                {
                    config[entry.Key] = entry.Value;
                }
            }

            config["model"] = model;
            options.Config = config;
        }

        return options;
    }

    private static bool PathEquals(string? a, string? b) =>
        string.Equals(a, b, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    /// <summary>The same variables set to the same values and the same ones removed; names compare as the OS compares them.</summary>
    private static bool EnvironmentEquals(IReadOnlyDictionary<string, string?>? a, IReadOnlyDictionary<string, string?>? b)
    {
        var left = a ?? new Dictionary<string, string?>();
        var right = b ?? new Dictionary<string, string?>();
        if (left.Count != right.Count)
        {
            return false;
        }

        var names = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        foreach (var (name, value) in left)
        {
            var match = right.FirstOrDefault(pair => names.Equals(pair.Key, name));
            if (match.Key is null || !string.Equals(match.Value, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ConfigEquals(IDictionary? a, IDictionary? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        try
        {
            var left = CodexConfigOverrides.Flatten(a);
            var right = CodexConfigOverrides.Flatten(b);
            return left.OrderBy(p => p.Key, StringComparer.Ordinal).SequenceEqual(right.OrderBy(p => p.Key, StringComparer.Ordinal));
        }
        catch (ArgumentException)
        {
            // A config codex would refuse is never the same as another: the new runtime fails on its own.
            return false;
        }
    }
}
