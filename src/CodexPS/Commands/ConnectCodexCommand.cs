using System.Collections;
using System.Management.Automation;
using CodexPS.Engine.Mock;

namespace CodexPS.Commands;

/// <summary>Starts (or replaces) the session's codex runtime.</summary>
[Cmdlet(VerbsCommunications.Connect, "Codex", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(CodexStatus))]
public sealed class ConnectCodexCommand : CodexCmdlet
{
    /// <summary>The codex binary to run; otherwise $env:CODEXPS_CODEX_PATH, the module's native/node_modules, then PATH.</summary>
    [Parameter]
    public string? CodexPath { get; set; }

    /// <summary>CODEX_HOME for the runtime (threads, config, auth). Default: $env:CODEX_HOME or ~/.codex; a private temporary folder with -MockProvider.</summary>
    [Parameter]
    public string? CodexHome { get; set; }

    /// <summary>A mock endpoint from Start-CodexMockProvider to use as the model provider.</summary>
    [Parameter]
    public MockModelServer? MockProvider { get; set; }

    /// <summary>Runtime config overrides, dotted keys or nested hashtables, as codex's -c key=value.</summary>
    [Parameter]
    public Hashtable? Config { get; set; }

    /// <summary>Use OpenAI's Responses API with the key in this environment variable (the key itself is never passed as an argument).</summary>
    [Parameter]
    public string? ApiKeyEnvironmentVariable { get; set; }

    /// <summary>
    /// An OpenAI-Responses-compatible model endpoint to use instead of OpenAI (a proxy, Azure OpenAI, a local server
    /// such as Ollama at http://localhost:11434/v1); the key, if it needs one, comes from -ApiKeyEnvironmentVariable.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? BaseUrl { get; set; }

    /// <summary>A display name for the -BaseUrl provider.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ProviderName { get; set; }

    /// <summary>The model new conversations use unless they name one (with -BaseUrl: a model the endpoint serves).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ModelCompleter))]
    public string? Model { get; set; }

    /// <summary>The runtime process's working directory (conversations take their own, the current location by default).</summary>
    [Parameter]
    public string? WorkingDirectory { get; set; }

    /// <summary>How long a request to the runtime may take before it counts as unresponsive.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int RequestTimeoutSec { get; set; }

    /// <summary>
    /// How long the runtime may stay silent while a turn or request is outstanding before it is probed, and how long
    /// the probe may go unanswered; then the turn fails with CodexRuntimeUnresponsive and the runtime is replaced.
    /// Default 60; 0 turns the watchdog off.
    /// </summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int ResponseTimeoutSec { get; set; }

    /// <summary>Appends every protocol line (secrets redacted) to this file.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    /// <summary>The SQLite file the session's metrics are stored in (default: $env:CODEXPS_METRICS_PATH, a temporary file with -MockProvider, else CodexPS/metrics.db in the user's local data folder).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MetricsPath { get; set; }

    /// <summary>A name for this runtime: several named runtimes can run at once (one per CODEX_HOME or tenant); -Runtime on other commands picks one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePattern("^[A-Za-z0-9_.-]+$")]
    public string Name { get; set; } = RuntimeRegistry.DefaultName;

    /// <summary>The most conversations loaded at once; one more is refused with MaxConversationsExceeded.</summary>
    [Parameter]
    [ValidateRange(1, 100000)]
    public int MaxConversations { get; set; }

    /// <summary>Unloads conversations idle for this many seconds (they stay resumable; the next turn loads them again).</summary>
    [Parameter]
    [ValidateRange(0.05, 86400 * 30)]
    public double IdleTimeoutSec { get; set; }

    /// <summary>
    /// Token prices per model, in USD per million tokens: a hashtable @{ 'model' = @{ Input = n; CachedInput = n; Output = n } }
    /// or the path of a JSON file of the same shape. With them, turns get a cost (Invoke-Codex CostUsd, the
    /// model_token_cost metric) and -MaxCostUsd can be enforced. CodexPS ships no prices, because a shipped list would go
    /// stale: without this every cost stays null. Not a runtime setting: a runtime already running with the same settings
    /// keeps running and takes the new prices for its next turns.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public object? Pricing { get; set; }

    /// <summary>Runs for every lifecycle event of the session's conversations ($EventArgs.Kind, $EventArgs.ConversationId, $EventArgs.Message).</summary>
    [Parameter]
    public ScriptBlock? OnEvent { get; set; }

    /// <summary>
    /// Drives a runtime started elsewhere with `codex app-server --listen ws://IP:PORT --ws-auth capability-token
    /// --ws-token-file F` instead of starting one here; every cmdlet works the same over it. Several addresses (or one
    /// with -Size) make a pool: each is a member, and new conversations go to the member with the fewest active turns.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public Uri[]? Uri { get; set; }

    /// <summary>
    /// Makes -Name a pool with this many runtimes started here (with -Uri, in addition to the remote members). Members
    /// are named NAME/1, NAME/2...; they share this command's settings, CODEX_HOME included, so any of them can resume
    /// another's conversations.
    /// </summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int Size { get; set; }

    /// <summary>
    /// For a pool: a conversation whose member went down is resumed on a member that is up (its next turn, and a turn the
    /// member's failure cut short is sent again there). Needs every member to reach the conversation's rollout: one
    /// CODEX_HOME, on shared storage for remote members.
    /// </summary>
    [Parameter]
    public SwitchParameter Failover { get; set; }

    /// <summary>The capability token of the -Uri runtime (the content of its token file); for a pool, of every remote member.</summary>
    [Parameter]
    public System.Security.SecureString? Token { get; set; }

    /// <summary>A file holding the capability token of the -Uri runtime (its --ws-token-file); read here, never shown.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TokenPath { get; set; }

    /// <summary>
    /// Environment variables for the runtime on top of what it inherits from PowerShell (a proxy, SSL_CERT_FILE, a key
    /// named by -ApiKeyEnvironmentVariable); a $null value removes an inherited variable. Values may be SecureStrings;
    /// no value is ever logged or shown. Part of the runtime's settings: another environment is another runtime.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public IDictionary? Environment { get; set; }

    /// <summary>Initializes the runtime with its experimental API, which Connect-CodexAccount -AccessToken needs.</summary>
    [Parameter]
    public SwitchParameter ExperimentalApi { get; set; }

    /// <summary>Writes the runtime's status.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        if (MockProvider is { IsRunning: false })
        {
            ThrowTerminatingError(NewError("CodexMockProviderStopped", ErrorCategory.InvalidArgument, MockProvider, $"The mock provider at {MockProvider.BaseUrl} was stopped."));
        }

        if (BaseUrl is not null && (!BaseUrl.IsAbsoluteUri || BaseUrl.Scheme is not ("http" or "https")))
        {
            ThrowTerminatingError(NewError("CodexBaseUrlInvalid", ErrorCategory.InvalidArgument, BaseUrl, $"'{BaseUrl}' is not an http or https URL."));
        }

        foreach (var address in Uri ?? Array.Empty<Uri>())
        {
            if (address is null || !address.IsAbsoluteUri || address.Scheme is not ("ws" or "wss"))
            {
                ThrowTerminatingError(NewError("CodexRemoteUriInvalid", ErrorCategory.InvalidArgument, address, $"'{address}' is not a ws:// or wss:// URL."));
            }
        }

        var isPool = Size > 0 || Uri is { Length: > 1 };
        var remote = Uri is { Length: 1 } && !isPool ? Uri[0] : null;
        if (Failover && !isPool)
        {
            ThrowTerminatingError(NewError("CodexProviderConflict", ErrorCategory.InvalidArgument, Name,
                "-Failover applies to a pool: give -Size, or -Uri with several addresses."));
        }

        if (Uri is not null && Size == 0 && (MockProvider is not null || BaseUrl is not null || CodexPath is not null))
        {
            ThrowTerminatingError(NewError("CodexProviderConflict", ErrorCategory.InvalidArgument, Uri,
                "-Uri drives a runtime that runs elsewhere with its own model provider and binary; -MockProvider, -BaseUrl and -CodexPath do not apply (with -Size they set up the local members)."));
        }

        if (BaseUrl is not null && MockProvider is not null)
        {
            ThrowTerminatingError(NewError("CodexProviderConflict", ErrorCategory.InvalidArgument, BaseUrl, "Give either -MockProvider or -BaseUrl, not both."));
        }

        if (Uri is not null && Size == 0 && Environment is { Count: > 0 })
        {
            ThrowTerminatingError(NewError("CodexProviderConflict", ErrorCategory.InvalidArgument, Uri,
                "-Environment applies to a runtime started here; the -Uri runtime runs elsewhere with its own environment."));
        }

        if (TokenPath is not null && (Uri is null || Token is not null))
        {
            ThrowTerminatingError(NewError("CodexProviderConflict", ErrorCategory.InvalidArgument, TokenPath,
                "-TokenPath gives the token of a -Uri runtime: use it with -Uri, and instead of -Token."));
        }

        var token = TokenPath is null ? Token : ReadToken(TokenPath);
        foreach (var address in (Uri ?? Array.Empty<Uri>()).Where(u => u is { Scheme: "ws", IsLoopback: false }))
        {
            // The runtime (0.171.0) listens on plain ws:// only (--listen has no TLS), so a tunnel is the way to encrypt.
            WriteWarning($"{address} is not on this machine and ws:// is unencrypted: the token and every prompt cross the network in clear. "
                + $"Reach the runtime through an SSH tunnel instead (ssh -N -L {address.Port}:127.0.0.1:{address.Port} {address.Host}, then -Uri ws://127.0.0.1:{address.Port}); "
                + "the runtime cannot listen with TLS (wss://).");
        }

        var environment = ReadEnvironment();
        if (ApiKeyEnvironmentVariable is not null && (Uri is null || Size > 0))
        {
            CheckApiKeyVariable(ApiKeyEnvironmentVariable, environment);
        }

        string? logPath = null;
        if (LogPath is not null)
        {
            logPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(LogPath);
            try
            {
                CodexPS.Engine.PrivateFiles.CreateParent(logPath);
                using (CodexPS.Engine.PrivateFiles.Open(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
                {
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                ThrowTerminatingError(new ErrorRecord(new CodexPS.Engine.CodexException("CodexLogPathInvalid", $"The log file '{logPath}' cannot be written: {ex.Message}", ex),
                    "CodexLogPathInvalid", ErrorCategory.WriteError, LogPath));
            }
        }

        var pricing = Pricing is null ? null : ReadPricing(Pricing);
        var settings = new CodexPS.Engine.Runtime.CodexRuntimeSettings
        {
            CodexPath = CodexPath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CodexPath),
            CodexHome = CodexHome is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CodexHome),
            MockProvider = MockProvider,
            Config = Config,
            ApiKeyEnvironmentVariable = ApiKeyEnvironmentVariable,
            BaseUrl = BaseUrl,
            ProviderName = ProviderName,
            Model = Model,
            WorkingDirectory = SessionState.Path.GetUnresolvedProviderPathFromPSPath(WorkingDirectory ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath),
            LogPath = logPath,
            Name = Name,
            Uri = remote,
            Token = remote is null ? null : token,
            MaxConversations = MaxConversations > 0 ? MaxConversations : null,
            IdleTimeout = IdleTimeoutSec > 0 ? TimeSpan.FromSeconds(IdleTimeoutSec) : null,
            Environment = environment,
            ExperimentalApi = ExperimentalApi,
            MetricsPath = MetricsPath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(MetricsPath),
            RequestTimeout = RequestTimeoutSec > 0 ? TimeSpan.FromSeconds(RequestTimeoutSec) : null,
            ResponseTimeout = MyInvocation.BoundParameters.ContainsKey(nameof(ResponseTimeoutSec))
                ? (ResponseTimeoutSec > 0 ? TimeSpan.FromSeconds(ResponseTimeoutSec) : TimeSpan.Zero)
                : null,
        };

        if (isPool)
        {
            ConnectPool(settings, token, pricing);
            return;
        }

        var what = remote is not null ? $"the codex runtime at {remote}"
            : MockProvider is not null ? $"codex app-server with the mock model at {MockProvider.BaseUrl}"
            : BaseUrl is not null ? $"codex app-server with the model endpoint {BaseUrl}"
            : "codex app-server";
        if (!Name.Equals(RuntimeRegistry.DefaultName, StringComparison.OrdinalIgnoreCase))
        {
            what += $" named '{Name}'";
        }

        var current = RuntimeRegistry.Find(Name);
        var action = current?.Client is null ? "Start"
            : current.Settings.IsSameRuntimeAs(RuntimeRegistry.Pin(settings)) && current.Client.State == CodexPS.Engine.Conversations.CodexRuntimeState.Running ? "Use the running runtime (same settings):"
            : "Replace the running runtime with";
        if (!ShouldProcess(what, action))
        {
            return;
        }

        try
        {
            var client = RuntimeRegistry.Connect(settings, CancellationToken);
            if (pricing is not null && RuntimeRegistry.Find(Name) is { } runtime)
            {
                runtime.Pricing = pricing;
                WriteVerbose($"Prices for {pricing.Models.Count} model(s): {string.Join(", ", pricing.Models.Select(m => m.Model))}.");
            }
            if (OnEvent is not null)
            {
                // PowerShell's own event subscription: the action runs in this session's event queue, not on the reader.
                InvokeCommand.InvokeScript(
                    "param($source, $action) Get-EventSubscriber -SourceIdentifier CodexPS.OnEvent -ErrorAction Ignore | Unregister-Event; " +
                    "$null = Register-ObjectEvent -InputObject $source -EventName ConversationEvent -SourceIdentifier CodexPS.OnEvent -Action $action",
                    false, System.Management.Automation.Runspaces.PipelineResultTypes.None, null, RuntimeRegistry.Events, OnEvent);
            }

            WriteClientWarnings(client);
            if (environment is { Count: > 0 })
            {
                // Names only: the values can be secrets.
                WriteVerbose("Runtime environment: " + string.Join(", ", environment.Select(e => (e.Value is null ? "-" : "+") + e.Key)) + ".");
            }

            WriteVerbose($"codex {client.RuntimeVersion} (pid {client.ProcessId}) from {client.Location.Path} [{client.Location.Source}], CODEX_HOME {client.CodexHome}.");
            if (client.RuntimeDrift is { Status: CodexPS.Engine.Runtime.Drift.CodexRuntimeDriftStatus.NoDrift } drift)
            {
                WriteVerbose(drift.VerboseFor(client.Location.Path));
            }

            if (PassThru)
            {
                WriteObject(CodexStatus.Capture(Name, CancellationToken));
            }
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            ThrowTerminatingError(ToErrorRecord(ex, CodexPath ?? MockProvider?.BaseUrl ?? (object)"codex"));
        }
    }

    /// <summary>
    /// A pool: one member per -Uri address (in order), then -Size local ones, each connected like a runtime of its own
    /// named NAME/1, NAME/2..., with these settings. A member that cannot be reached ends the command, holding none.
    /// </summary>
    private void ConnectPool(CodexPS.Engine.Runtime.CodexRuntimeSettings settings, System.Security.SecureString? token, CodexPS.Engine.Pricing.CodexPricing? pricing)
    {
        var members = new List<CodexPS.Engine.Runtime.CodexRuntimeSettings>();
        foreach (var address in Uri ?? Array.Empty<Uri>())
        {
            members.Add(settings with
            {
                Name = $"{Name}/{members.Count + 1}",
                Pool = Name,
                Uri = address,
                Token = token,
                CodexPath = null,
                CodexHome = null,
                MockProvider = null,
                BaseUrl = null,
                Environment = null,
            });
        }

        for (var i = 0; i < Size; i++)
        {
            members.Add(settings with { Name = $"{Name}/{members.Count + 1}", Pool = Name });
        }

        var remoteCount = Uri?.Length ?? 0;
        var what = $"a pool of {members.Count} codex runtimes named '{Name}'"
            + (Size > 0 ? $", {Size} started here" : string.Empty)
            + (remoteCount > 0 ? $", {remoteCount} at {string.Join(", ", Uri!.Select(u => u.ToString()))}" : string.Empty);
        if (!ShouldProcess(what, "Start"))
        {
            return;
        }

        try
        {
            var pool = RuntimeRegistry.ConnectPool(Name, members, Failover, CancellationToken);
            foreach (var member in pool.Members)
            {
                if (pricing is not null)
                {
                    member.Runtime.Pricing = pricing;
                }

                if (member.Runtime.Client is { } client)
                {
                    WriteClientWarnings(client);
                    WriteVerbose($"{member.Name}: codex {client.RuntimeVersion} {(client.ProcessId is { } pid ? $"(pid {pid}) " : string.Empty)}at {client.Location.Path}, CODEX_HOME {client.CodexHome}.");
                }
            }

            if (PassThru)
            {
                WriteObject(CodexStatus.CapturePool(pool, CancellationToken), enumerateCollection: true);
            }
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            ThrowTerminatingError(ToErrorRecord(ex, ex is CodexPS.Engine.CodexException { ErrorId: "CodexRemoteAuthenticationFailed" or "CodexRemoteUnreachable" } && Uri is { Length: > 0 }
                ? (object)FailedAddress(ex) : Name));
        }
    }

    /// <summary>The -Uri address an error is about (its message names it), else all of them.</summary>
    private object FailedAddress(Exception ex) =>
        Uri!.FirstOrDefault(u => ex.Message.Contains(u.ToString(), StringComparison.Ordinal)) ?? (object)Uri!;

    /// <summary>-Pricing from a hashtable or a JSON file; a bad entry ends the command with CodexPricingInvalid naming it.</summary>
    /// <summary>The token file's content (one line; surrounding whitespace dropped) as a SecureString; a file that cannot be read ends the command.</summary>
    private System.Security.SecureString ReadToken(string path)
    {
        var file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        try
        {
            var secure = new System.Security.SecureString();
            foreach (var c in File.ReadAllText(file).Trim())
            {
                secure.AppendChar(c);
            }

            if (secure.Length == 0)
            {
                throw new IOException("The file is empty.");
            }

            secure.MakeReadOnly();
            return secure;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(new CodexPS.Engine.CodexException("CodexTokenFileUnreadable", $"The token file '{file}' cannot be read: {ex.Message}", ex),
                "CodexTokenFileUnreadable", ErrorCategory.ReadError, path));
            throw;
        }
    }

    private CodexPS.Engine.Pricing.CodexPricing? ReadPricing(object pricing)
    {
        var value = pricing is PSObject wrapped ? wrapped.BaseObject : pricing;
        try
        {
            return value switch
            {
                System.Collections.IDictionary table => CodexPS.Engine.Pricing.CodexPricing.FromDictionary(table),
                string path => CodexPS.Engine.Pricing.CodexPricing.FromJsonFile(SessionState.Path.GetUnresolvedProviderPathFromPSPath(path)),
                FileInfo file => CodexPS.Engine.Pricing.CodexPricing.FromJsonFile(file.FullName),
                _ => throw new CodexPS.Engine.Pricing.CodexPricingException(value.GetType().Name,
                    $"-Pricing takes a hashtable of models or the path of a JSON file, not a {value.GetType().Name}."),
            };
        }
        catch (CodexPS.Engine.Pricing.CodexPricingException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidArgument, ex.Entry));
            return null;
        }
    }

    /// <summary>-Environment as names and values (null removes); a name the runtime cannot take, or CODEX_HOME, is refused.</summary>
    private Dictionary<string, string?>? ReadEnvironment()
    {
        if (Environment is null || Environment.Count == 0)
        {
            return null;
        }

        var result = new Dictionary<string, string?>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment)
        {
            var name = LanguagePrimitives.ConvertTo<string>(entry.Key is PSObject key ? key.BaseObject : entry.Key);
            if (string.IsNullOrEmpty(name) || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
            {
                ThrowTerminatingError(NewError("CodexEnvironmentInvalid", ErrorCategory.InvalidArgument, name ?? string.Empty,
                    $"'{name}' is not an environment variable name."));
            }

            if (string.Equals(name, "CODEX_HOME", StringComparison.OrdinalIgnoreCase))
            {
                ThrowTerminatingError(NewError("CodexEnvironmentInvalid", ErrorCategory.InvalidArgument, name,
                    "CODEX_HOME is the runtime's own setting: give it with -CodexHome."));
            }

            var value = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
            result[name!] = value switch
            {
                null => null,
                System.Security.SecureString secure => new System.Net.NetworkCredential(string.Empty, secure).Password,
                string text => text,
                _ => LanguagePrimitives.ConvertTo<string>(value),
            };
        }

        return result;
    }

    /// <summary>
    /// The key's variable must hold a key before anything starts: otherwise the runtime starts, and the first turn fails
    /// with a 401 that does not say why. The variable is read from -Environment first, then from this process.
    /// </summary>
    private void CheckApiKeyVariable(string name, Dictionary<string, string?>? environment)
    {
        var value = environment is not null && environment.TryGetValue(name, out var given) ? given : System.Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            ThrowTerminatingError(NewError("CodexApiKeyVariableNotSet", ErrorCategory.InvalidArgument, name,
                $"The environment variable '{name}' named by -ApiKeyEnvironmentVariable is {(value is null ? "not set" : "empty")}, so the runtime would have no key. " +
                $"Set it (for example $env:{name} = '<your key>') or give it with -Environment @{{ {name} = $secureKey }}, then connect again."));
        }
    }
}
