using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CodexPS.Engine.Mcp;
using CodexPS.Engine.Protocol;
using CodexPS.Engine.Rpc;
using CodexPS.Engine.Runtime;

namespace CodexPS.Engine.Conversations;

/// <summary>Whether a client's runtime still runs.</summary>
public enum CodexRuntimeState
{
    /// <summary>The runtime is connected and serving requests.</summary>
    Running,
    /// <summary>The runtime went away without being asked (exited, hung, or the connection closed).</summary>
    Exited,
    /// <summary>The client was disposed and stopped the runtime.</summary>
    Stopped,
}

/// <summary>
/// Owns one runtime process and the connection to it, and routes what the runtime says to the conversations
/// (threads) it serves.
/// </summary>
public sealed partial class CodexClient : IJsonRpcHandler, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, CodexConversation> _conversations = new(StringComparer.Ordinal);
    private readonly WarningQueue _warnings = new(200);
    private readonly CodexClientOptions _options;
    private CodexRuntimeProcess? _process;
    private WebSocketLineStream? _remote;
    private JsonRpcConnection? _rpc;
    private int _state = (int)CodexRuntimeState.Running;
    private CodexConversation? _lastRouted;

    private CodexClient(CodexClientOptions options, CodexLocation location, string codexHome)
    {
        _options = options;
        Location = location;
        CodexHome = codexHome;
        Plugins = options.Plugins ?? new Plugins.CodexPluginSet(options.Name);
        if (Plugins.Client is null)
        {
            Plugins.Bind(this);
        }

        _pricing = options.Pricing;
    }

    private Pricing.CodexPricing? _pricing;

    /// <summary>
    /// The token prices costs are computed with (turns started from now on); null: costs stay unknown. CodexPS ships no
    /// price list, because a shipped list would go stale.
    /// </summary>
    public Pricing.CodexPricing? Pricing
    {
        get => Volatile.Read(ref _pricing);
        set => Volatile.Write(ref _pricing, value);
    }

    /// <summary>The runtime's plugins (Register-CodexPlugin): every event of every turn passes them, in order.</summary>
    public Plugins.CodexPluginSet Plugins { get; }

    /// <summary>Where the runtime binary was found, or the address of a remote runtime.</summary>
    public CodexLocation Location { get; }

    /// <summary>The address of a remote runtime (Connect-Codex -Uri); null for a process started here.</summary>
    public Uri? RemoteUri { get; private set; }

    /// <summary>The pool this runtime is a member of; null for a runtime on its own.</summary>
    public string? Pool => _options.Pool;

    /// <summary>The CODEX_HOME folder the runtime uses; for a remote runtime the one given or reported, else empty.</summary>
    public string CodexHome { get; private set; }

    /// <summary>The runtime's version from its initialize answer; null when it gave none.</summary>
    public string? RuntimeVersion { get; private set; }

    /// <summary>
    /// For a runtime outside the supported range, whether what CodexPS uses differs from the pinned protocol (a warning
    /// at start when it does, or when that could not be checked); null inside the range, where nothing is checked.
    /// </summary>
    public Runtime.Drift.CodexRuntimeDriftVerdict? RuntimeDrift { get; private set; }

    /// <summary>The user agent string the runtime sent in its initialize answer.</summary>
    public string? UserAgent { get; private set; }

    /// <summary>The runtime's process id; null for a remote runtime.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>When this client was created (local time).</summary>
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.Now;

    /// <summary>The CodexPS session: this connection to a runtime. Recordings carry it ({sessionId} in their paths).</summary>
    public string SessionId { get; } = Guid.NewGuid().ToString();

    /// <summary>Running, Exited (it went away on its own) or Stopped (disposed).</summary>
    public CodexRuntimeState State => (CodexRuntimeState)Volatile.Read(ref _state);

    /// <summary>Why the runtime stopped, when it stopped on its own.</summary>
    public Exception? ExitError { get; private set; }

    /// <summary>The rate limits the runtime reported last; null until it has reported any.</summary>
    public CodexRateLimits? RateLimits { get; private set; }

    /// <summary>The model endpoint the runtime was started with; null for the runtime's default.</summary>
    public CodexModelProvider? ModelProvider => _options.ModelProvider;

    /// <summary>A snapshot of the conversations this client knows, loaded or not.</summary>
    public IReadOnlyCollection<CodexConversation> Conversations => _conversations.Values.ToArray();

    internal CodexClientOptions Options => _options;

    internal JsonRpcConnection Rpc => _rpc ?? throw new InvalidOperationException("The client is not started.");

    /// <summary>Raised (on the reader's thread) for each warning; they are also queued for <see cref="DrainWarnings"/>.</summary>
    public event EventHandler<string>? Warning;

    /// <summary>Raised once when the runtime exits without being asked to.</summary>
    public event EventHandler<Exception>? Exited;

    /// <summary>Every protocol line, secrets redacted, for a log file and for -Debug/-Verbose listeners.</summary>
    public CodexProtocolLog ProtocolLog { get; private set; } = new(null);

    /// <summary>
    /// Locates the runtime, starts it with the options' home, config and environment, and completes the initialize
    /// handshake; a runtime that does not answer within the start timeout throws CodexRuntimeUnresponsiveException.
    /// </summary>
    public static async Task<CodexClient> StartAsync(CodexClientOptions options, CancellationToken cancellationToken)
    {
        var location = CodexRuntimeLocator.Locate(options.CodexPath, options.SearchRoots);
        var home = options.CodexHome
            ?? Environment.GetEnvironmentVariable("CODEX_HOME")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".codex");
        home = Path.GetFullPath(home);
        PrivateFiles.CreateDirectory(home);

        var overrides = CodexConfigOverrides.Flatten(options.Config);
        if (options.ModelProvider is { } provider)
        {
            // A key the caller's config sets itself (say model_providers.ID.stream_max_retries) wins over the provider's default.
            var given = new HashSet<string>(overrides.Select(o => o.Key), StringComparer.Ordinal);
            overrides.AddRange(ProviderOverrides(provider, options.Config).Where(o => !given.Contains(o.Key)));
        }

        var client = new CodexClient(options, location, home);
        if (options.LogPath is not null)
        {
            client.ProtocolLog = new CodexProtocolLog(options.LogPath);
        }
        var workingDirectory = options.WorkingDirectory ?? Environment.CurrentDirectory;
        var env = new Dictionary<string, string?>(options.Environment);
        client._process = CodexRuntimeProcess.Start(location.Path, home, workingDirectory, overrides, env);
        var process = client._process;
        client._rpc = new JsonRpcConnection(process.StandardOutput, process.StandardInput, client, process.ExitErrorAsync)
        {
            RequestTimeout = options.RequestTimeout,
            Tap = client.ProtocolLog.Record,
        };
        client._rpc.Start();
        await client.InitializeAsync(location.Path, cancellationToken).ConfigureAwait(false);
        return client;
    }

    /// <summary>initialize/initialized, then the version check; a failure disposes the client.</summary>
    private async Task InitializeAsync(string where, CancellationToken cancellationToken)
    {
        try
        {
            var init = new JsonObject
            {
                ["clientInfo"] = new JsonObject
                {
                    ["name"] = _options.ClientName,
                    ["title"] = _options.ClientTitle,
                    ["version"] = _options.ClientVersion,
                },
                ["capabilities"] = new JsonObject { ["experimentalApi"] = _options.ExperimentalApi },
            };
            var answer = await _rpc!.RequestAsync("initialize", init, cancellationToken)
                .WaitAsync(_options.StartTimeout, cancellationToken).ConfigureAwait(false);
            UserAgent = answer.Str("userAgent");
            if (string.IsNullOrEmpty(CodexHome) && answer.Str("codexHome") is { } remoteHome)
            {
                CodexHome = remoteHome;
            }

            RuntimeVersion = ParseVersion(UserAgent);
            await _rpc!.NotifyAsync("initialized", null, cancellationToken).ConfigureAwait(false);
            _options.Metrics?.Attach(this);
            StartIdleWatch();
            StartWatchdog();

            // Only outside the supported range (CI tests both ends), and then only when what CodexPS uses has changed.
            if (RuntimeVersion is { } version && !CodexRuntimeLocator.IsSupported(version))
            {
                RuntimeDrift = RemoteUri is not null
                    ? Runtime.Drift.CodexRuntimeDriftCheck.Remote(version)
                    : await Runtime.Drift.CodexRuntimeDriftCheck.Default.CheckAsync(Location.Path, version, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            await DisposeAsync().ConfigureAwait(false);
            throw new CodexRuntimeUnresponsiveException("initialize", _options.StartTimeout);
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (RuntimeDrift?.WarningFor(where) is { } warning)
        {
            AddWarning(warning);
        }
    }

    /// <summary>
    /// Connects to a runtime started elsewhere with `codex app-server --listen ws://IP:PORT --ws-auth
    /// capability-token --ws-token-file F`, presenting the token as a bearer token. The token is used for the
    /// handshake only and never logged.
    /// </summary>
    public static async Task<CodexClient> ConnectRemoteAsync(Uri uri, System.Security.SecureString? token, CodexClientOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(options);
        var socket = new System.Net.WebSockets.ClientWebSocket();
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + new System.Net.NetworkCredential(string.Empty, token).Password);
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.StartTimeout);
            await socket.ConnectAsync(uri, timeout.Token).ConfigureAwait(false);
        }
        catch (System.Net.WebSockets.WebSocketException ex) when (ex.Message.Contains("401", StringComparison.Ordinal) || ex.Message.Contains("403", StringComparison.Ordinal))
        {
            socket.Dispose();
            throw new CodexException("CodexRemoteAuthenticationFailed", $"The runtime at {uri} refused the token ({ex.Message}).", ex);
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or OperationCanceledException or System.Net.Http.HttpRequestException)
        {
            socket.Dispose();
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new CodexException("CodexRemoteUnreachable", $"No codex runtime answered at {uri}: {ex.Message}", ex);
        }

        var client = new CodexClient(options, new CodexLocation(uri.ToString(), "Remote"), options.CodexHome ?? string.Empty);
        if (options.LogPath is not null)
        {
            client.ProtocolLog = new CodexProtocolLog(options.LogPath);
        }

        var stream = new WebSocketLineStream(socket);
        client._remote = stream;
        client.RemoteUri = uri;
        client._rpc = new JsonRpcConnection(stream, stream, client,
            () => Task.FromResult<Exception>(new CodexRuntimeExitedException(null, string.Empty, $"the connection to {uri} closed")))
        {
            RequestTimeout = options.RequestTimeout,
            Tap = client.ProtocolLog.Record,
        };
        client._rpc.Start();
        await client.InitializeAsync(uri.ToString(), cancellationToken).ConfigureAwait(false);
        return client;
    }

    /// <summary>Starts a new thread on the runtime.</summary>
    public async Task<CodexConversation> StartConversationAsync(CodexConversationOptions options, CancellationToken cancellationToken)
    {
        EnsureRunning();
        EnsureCapacity();
        var parameters = options.ToThreadParameters(
            options.Model ?? _options.ModelProvider?.DefaultModel,
            options.WorkingDirectory ?? _options.WorkingDirectory ?? Environment.CurrentDirectory);
        if (options.Tools.Count > 0)
        {
            CheckTools(options.Tools);
            parameters["dynamicTools"] = CodexDynamicTool.ToSpecs(options.Tools);
        }

        var answer = await Rpc.RequestAsync("thread/start", parameters, cancellationToken).ConfigureAwait(false);
        var conversation = new CodexConversation(this, answer, options);
        _conversations[conversation.Id] = conversation;
        Registered(conversation, CodexConversationEventKind.ConversationCreated, "started");
        return conversation;
    }

    /// <summary>
    /// Tools go to the runtime only through its experimental API (thread/start dynamicTools), and the model must be
    /// able to tell them apart: both are checked before anything is sent.
    /// </summary>
    public void CheckTools(IReadOnlyList<CodexDynamicTool> tools)
    {
        if (CodexDynamicTool.FindDuplicate(tools) is { } duplicate)
        {
            throw CodexDynamicTool.DuplicateError(duplicate);
        }

        if (!_options.ExperimentalApi)
        {
            throw new CodexException("CodexExperimentalApiRequired",
                "The runtime takes a conversation's own tools through its experimental API only; connect with Connect-Codex -ExperimentalApi first.");
        }
    }

    /// <summary>Sends any request to the runtime; for methods CodexPS has no typed wrapper for yet.</summary>
    public Task<JsonElement> RequestAsync(string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        EnsureRunning();
        return Rpc.RequestAsync(method, parameters, cancellationToken);
    }

    /// <summary>The conversation with this id in this client, or null.</summary>
    public CodexConversation? FindConversation(string id) => _conversations.TryGetValue(id, out var c) ? c : null;

    /// <summary>Warnings raised since the last call, oldest first.</summary>
    public IReadOnlyList<string> DrainWarnings()
    {
        if (_warnings.IsEmpty && _options.Metrics is not { HasWarnings: true })
        {
            return Array.Empty<string>();
        }

        var list = new List<string>(_options.Metrics?.DrainWarnings() ?? Array.Empty<string>());
        _warnings.DrainInto(list);
        return list;
    }

    /// <summary>Whether warnings (the client's or its metrics collector's) are waiting for <see cref="DrainWarnings"/>.</summary>
    public bool HasWarnings => !_warnings.IsEmpty || _options.Metrics is { HasWarnings: true };

    /// <summary>The collector this client's turns feed; null when metrics are off.</summary>
    public Metrics.CodexMetricsCollector? Metrics => _options.Metrics;

    /// <summary>Requests sent to the runtime and not answered yet; null before the connection exists.</summary>
    public int? PendingRequestCount => _rpc?.PendingRequestCount;

    /// <summary>The runtime process's processor time and working set now; null when it has gone.</summary>
    internal (TimeSpan ProcessorTime, long WorkingSet)? SampleRuntimeProcess() => _process?.Sample();

    /// <summary>Stops the runtime: active turns fail, and the process is ended.</summary>
    public async ValueTask DisposeAsync()
    {
        var previous = (CodexRuntimeState)Interlocked.Exchange(ref _state, (int)CodexRuntimeState.Stopped);
        StopIdleWatch();
        StopWatchdog();
        var stopped = new CodexException("CodexRuntimeStopped", "The codex runtime serving this conversation was stopped (Disconnect-Codex or a new Connect-Codex).");
        if (previous == CodexRuntimeState.Running)
        {
            foreach (var conversation in _conversations.Values)
            {
                conversation.ActiveTurn?.Fail(stopped);
            }
        }

        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
        }

        if (_rpc is not null)
        {
            await _rpc.DisposeAsync().ConfigureAwait(false);
        }

        _remote?.Dispose();
        ProtocolLog.Dispose();

        // After the connection is closed no event can follow: Json recordings are written whole now.
        await Persistence.CodexRecording.StopAllAsync(_conversations.Values.Where(c => c.Client == this)).ConfigureAwait(false);
    }

    /// <summary>
    /// A client over a pair of streams instead of a process, not initialized (its watchdog runs): tests feed it what a
    /// broken, hostile or hung runtime might send.
    /// </summary>
    internal static CodexClient OverStreams(Stream input, Stream output, CodexClientOptions options)
    {
        var client = new CodexClient(options, new CodexLocation("(streams)", "Streams"), options.CodexHome ?? string.Empty);
        client._rpc = new JsonRpcConnection(input, output, client)
        {
            RequestTimeout = options.RequestTimeout,
            Tap = client.ProtocolLog.Record,
        };
        client._rpc.Start();
        client.StartWatchdog();
        return client;
    }

    /// <summary>Kills the runtime without a goodbye (for tests of crash handling).</summary>
    public void KillRuntime() => _process?.Kill();

    internal void EnsureRunning()
    {
        switch (State)
        {
            case CodexRuntimeState.Stopped:
                throw new CodexException("CodexRuntimeStopped", "The codex runtime was stopped; connect again (Connect-Codex) and start a new conversation.");
            case CodexRuntimeState.Exited:
                throw new CodexException("CodexRuntimeExited", "The codex runtime has exited: " + ExitError?.Message, ExitError);
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string ThreadId, string Name), CodexMcpStartup> _mcpStartup = new();

    /// <summary>The last startup state the runtime announced for an MCP server of a conversation (or of no conversation).</summary>
    public CodexMcpStartup? McpStartupFor(string? conversationId, string name) =>
        _mcpStartup.TryGetValue((conversationId ?? string.Empty, name), out var startup) ? startup : null;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> SeenConfigWarnings = new(StringComparer.Ordinal);

    internal void AddWarning(string message)
    {
        if (DeliverToReadingTurns(message))
        {
            Warning?.Invoke(this, message);
            return;
        }

        _warnings.Add(message);
        Warning?.Invoke(this, message);
    }

    /// <summary>
    /// Routes a notification by its thread: to the conversation's running turn, else to the conversation. What the
    /// event becomes, who records or meters it, and who reads it is the pipeline's business (<see cref="EventPipeline"/>).
    /// Runs on the reader thread and finishes synchronously: the pipeline waits only when the turn's queue is full.
    /// </summary>
    ValueTask IJsonRpcHandler.OnNotificationAsync(string method, JsonElement parameters, JsonElement message)
    {
        var timestamp = Json.UnixMs(message.Long("emittedAtMs")) ?? DateTimeOffset.Now;
        if (FindByThreadId(parameters) is { } target)
        {
            if (method == "mcpServer/startupStatus/updated")
            {
                NoteMcpStartup(parameters);
            }

            (target.ActiveTurn?.Pipeline ?? target.Pipeline).OnReaderThreadNotification(method, parameters, timestamp);
            return default;
        }

        switch (method)
        {
            case "account/rateLimits/updated":
                // Read once: the client, the metrics and every running turn get the same object.
                var limits = new CodexRateLimits(parameters.Prop("rateLimits"), timestamp);
                RateLimits = limits;
                _options.Metrics?.OnRateLimits(limits);
                foreach (var conversation in _conversations.Values)
                {
                    conversation.ActiveTurn?.Pipeline.OnReaderThreadRateLimits(method, parameters, timestamp, limits);
                }

                break;
            case "mcpServer/startupStatus/updated":
                NoteMcpStartup(parameters);
                break;
            case "command/exec/outputDelta":
                OnCommandOutput(parameters);
                break;
            case "configWarning":
                // The runtime repeats the same configuration warning at every start; a process hears each once.
                var text = "codex config: " + (parameters.Str("summary") ?? parameters.GetRawText());
                if (SeenConfigWarnings.TryAdd(text, 0))
                {
                    AddWarning(text);
                }

                break;
            default:
                if (method.StartsWith("account/login/", StringComparison.Ordinal))
                {
                    OnLoginNotification(method, parameters);
                }

                break;
        }

        return default;
    }

    private void NoteMcpStartup(JsonElement parameters)
    {
        if (parameters.Str("name") is { } name && parameters.Str("status") is { } status)
        {
            _mcpStartup[(parameters.Str("threadId") ?? string.Empty, name)] = new CodexMcpStartup(Json.Pascal(status), parameters.Str("error"));
        }
    }

    /// <summary>The conversation a message's threadId names; the last one found is tried first, without allocating.</summary>
    private CodexConversation? FindByThreadId(JsonElement parameters)
    {
        var element = parameters.Prop("threadId"u8);
        if (element.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        if (_lastRouted is { } last && element.ValueEquals(last.Id))
        {
            return last;
        }

        if (_conversations.TryGetValue(element.GetString()!, out var found))
        {
            _lastRouted = found;
            return found;
        }

        return null;
    }

    void IJsonRpcHandler.OnMalformedLine(string reason, string excerpt)
    {
        AddWarning($"Skipped a line from the codex runtime ({reason}): {excerpt}");
    }

    void IJsonRpcHandler.OnClosed(Exception error)
    {
        if (Interlocked.CompareExchange(ref _state, (int)CodexRuntimeState.Exited, (int)CodexRuntimeState.Running) != (int)CodexRuntimeState.Running)
        {
            return;
        }

        error = AsMemberError(error);
        ExitError = error;
        StopIdleWatch();
        StopWatchdog();
        foreach (var conversation in _conversations.Values)
        {
            conversation.ActiveTurn?.Fail(error);
        }

        DetachConversations(error);

        Exited?.Invoke(this, error);
    }

    /// <summary>A pool member's turns fail naming the member (CodexRuntimeUnavailable); a runtime on its own keeps the cause as it is.</summary>
    private Exception AsMemberError(Exception error) =>
        _options.Pool is { } pool && error is not CodexRuntimeUnavailableException
            ? new CodexRuntimeUnavailableException(pool, Name, RemoteUri, error)
            : error;

    private static IEnumerable<KeyValuePair<string, string>> ProviderOverrides(CodexModelProvider provider, System.Collections.IDictionary? config)
    {
        var prefix = "model_providers." + provider.Id + ".";
        yield return new("model_provider", CodexConfigOverrides.ToToml(provider.Id));
        yield return new(prefix + "name", CodexConfigOverrides.ToToml(provider.Name));
        yield return new(prefix + "base_url", CodexConfigOverrides.ToToml(provider.BaseUrl));
        yield return new(prefix + "wire_api", CodexConfigOverrides.ToToml("responses"));
        if (provider.EnvKey is not null)
        {
            yield return new(prefix + "env_key", CodexConfigOverrides.ToToml(provider.EnvKey));
        }

        if (provider.MaxRetries is { } retries)
        {
            yield return new(prefix + "request_max_retries", CodexConfigOverrides.ToToml(retries));
            yield return new(prefix + "stream_max_retries", CodexConfigOverrides.ToToml(retries));
        }

        if (provider.DefaultModel is not null && (config is null || !config.Contains("model")))
        {
            yield return new("model", CodexConfigOverrides.ToToml(provider.DefaultModel));
        }
    }

    private static string? ParseVersion(string? userAgent)
    {
        if (userAgent is null)
        {
            return null;
        }

        var match = VersionPattern().Match(userAgent);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"/(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)")]
    private static partial Regex VersionPattern();
}
