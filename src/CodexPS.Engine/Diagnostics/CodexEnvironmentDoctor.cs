using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;
using CodexPS.Engine.Runtime;
using CodexPS.Engine.Runtime.Drift;

namespace CodexPS.Engine.Diagnostics;

/// <summary>What <see cref="CodexEnvironmentDoctor.RunAsync"/> examines.</summary>
public sealed class CodexEnvironmentDoctorOptions
{
    /// <summary>The settings a runtime of its own is started with when <see cref="Connected"/> is null.</summary>
    public CodexClientOptions? Client { get; init; }

    /// <summary>A running runtime to examine instead of starting one (a connected runtime; a remote one is examined only through it).</summary>
    public CodexClient? Connected { get; init; }

    /// <summary>How long the model endpoint may take to answer.</summary>
    public TimeSpan EndpointTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The runtime's config schema (ConfigReadResponse.json) the effective config is checked against; null skips that part.</summary>
    public JsonElement? ConfigSchema { get; init; }
}

/// <summary>
/// Checks, one result each, what a first answer needs: the runtime and its version, the sandbox, CODEX_HOME, the
/// config, the login, the model endpoint and every MCP server. Without a connected runtime it starts one of its own
/// with the given settings (as Connect-Codex would) and stops it at the end; nothing it does starts a thread or a turn.
/// </summary>
public static class CodexEnvironmentDoctor
{
    private const string OpenAiBaseUrl = "https://api.openai.com/v1";

    /// <summary>Runs every check; a check that cannot run because an earlier one failed is reported as Skipped.</summary>
    public static async Task<IReadOnlyList<CodexEnvironmentCheck>> RunAsync(CodexEnvironmentDoctorOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var checks = new List<CodexEnvironmentCheck>();
        var client = options.Connected;
        var ownClient = false;
        string? binary = null;
        var remote = client is not null && client.Location.Source == "Remote";
        var home = client?.CodexHome ?? options.Client?.CodexHome;
        try
        {
            if (client is null)
            {
                var settings = options.Client ?? throw new ArgumentException("Give a connected runtime or the settings to start one.", nameof(options));
                CodexLocation location;
                try
                {
                    location = CodexRuntimeLocator.Locate(settings.CodexPath, settings.SearchRoots);
                    binary = location.Path;
                }
                catch (CodexRuntimeNotFoundException ex)
                {
                    checks.Add(new CodexEnvironmentCheck("Runtime", settings.CodexPath, CodexCheckStatus.Fail, FirstLine(ex.Message),
                        $"Install it (Install-CodexRuntime, or npm install -g @openai/codex@{CodexRuntimeLocator.PinnedVersion}), or point Connect-Codex -CodexPath or ${CodexRuntimeLocator.PathVariable} at the codex binary."));
                    location = null!;
                }

                // Before the runtime starts: a runtime creates a missing CODEX_HOME, which would hide that it was missing.
                var homeCheck = home is null ? null : CodexHomeInspector.Inspect(home);
                if (binary is not null)
                {
                    try
                    {
                        client = await CodexClient.StartAsync(settings, cancellationToken).ConfigureAwait(false);
                        ownClient = true;
                        checks.Add(RuntimeCheck(client, location));
                    }
                    catch (Exception ex) when (ex is CodexException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
                    {
                        checks.Add(new CodexEnvironmentCheck("Runtime", binary, CodexCheckStatus.Fail,
                            $"codex at {binary} ({location.Source}) did not start: {FirstLine(ex.Message)}",
                            "Run the binary with --version to see why it does not start; reinstall it (Install-CodexRuntime) if it is damaged."));
                    }
                }

                checks.Add(await SandboxAsync(binary, home, client, cancellationToken).ConfigureAwait(false));
                checks.Add(homeCheck ?? Skipped("CodexHome", null, "no CODEX_HOME was given"));
            }
            else
            {
                binary = remote ? null : client.Location.Path;
                checks.Add(RuntimeCheck(client, client.Location));
                checks.Add(remote
                    ? Skipped("Sandbox", null, "the runtime runs on another machine (Connect-Codex -Uri); run Test-CodexEnvironment there")
                    : await SandboxAsync(binary, home, client, cancellationToken).ConfigureAwait(false));
                checks.Add(remote || string.IsNullOrEmpty(home)
                    ? Skipped("CodexHome", home, "the runtime runs on another machine (Connect-Codex -Uri); run Test-CodexEnvironment there")
                    : CodexHomeInspector.Inspect(home));
            }

            if (client is null || client.State != CodexRuntimeState.Running)
            {
                foreach (var name in new[] { "Config", "Login", "Endpoint", "McpServer" })
                {
                    checks.Add(Skipped(name, null, "the runtime did not start (see the Runtime check)"));
                }

                return checks;
            }

            var configWarnings = ownClient ? client.DrainWarnings().Where(w => w.StartsWith("codex config:", StringComparison.Ordinal)).ToArray() : Array.Empty<string>();
            var (configCheck, config) = await ConfigAsync(client, home, options.ConfigSchema, configWarnings, cancellationToken).ConfigureAwait(false);
            checks.Add(configCheck);
            var provider = Provider(config, client);
            checks.Add(await LoginAsync(client, provider, cancellationToken).ConfigureAwait(false));
            checks.Add(await EndpointAsync(provider, options.EndpointTimeout, cancellationToken).ConfigureAwait(false));
            checks.AddRange(await McpAsync(client, cancellationToken).ConfigureAwait(false));
            return checks;
        }
        finally
        {
            if (ownClient && client is not null)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static CodexEnvironmentCheck Skipped(string name, string? target, string why) =>
        new(name, target, CodexCheckStatus.Skipped, "Not checked: " + why + ".", name == "CodexHome" && why.Contains("another machine", StringComparison.Ordinal) ? null : "Fix the failed check it depends on first.");

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.EndsWith(" Looked in:", StringComparison.Ordinal) ? line[..^" Looked in:".Length] : line;
    }

    internal static CodexEnvironmentCheck RuntimeCheck(CodexClient client, CodexLocation location) =>
        VersionCheck(location.Path, location.Source, client.RuntimeVersion, client.RuntimeDrift);

    /// <summary>
    /// The verdict on a runtime that started: in the supported range (Pass); outside it, by what the client's drift check
    /// found: nothing CodexPS uses differs (Warn), something does (Fail), not checked (Warn); of no known version (Warn).
    /// </summary>
    internal static CodexEnvironmentCheck VersionCheck(string path, string source, string? version, CodexRuntimeDriftVerdict? drift = null)
    {
        var where = $"codex {version ?? "(version not reported)"} at {path} ({source})";
        // Pre-release and platform suffixes (0.171.0-alpha.1) do not make a version unreadable.
        bool? supported = Version.TryParse(version?.Split('-', '+')[0], out _) ? CodexRuntimeLocator.IsSupported(version) : null;
        var outside = $"{where}; outside the supported range {CodexRuntimeLocator.SupportedRange} (pinned {CodexRuntimeLocator.PinnedVersion}).";
        var install = $"Install the pinned version (Install-CodexRuntime -Version {CodexRuntimeLocator.PinnedVersion}, or npm install -g @openai/codex@{CodexRuntimeLocator.PinnedVersion}) and point -CodexPath at it.";
        return supported switch
        {
            true => new CodexEnvironmentCheck("Runtime", path, CodexCheckStatus.Pass,
                $"{where}; supported ({CodexRuntimeLocator.SupportedRange}, pinned {CodexRuntimeLocator.PinnedVersion}).", null),
            false => drift?.Status switch
            {
                CodexRuntimeDriftStatus.NoDrift => new CodexEnvironmentCheck("Runtime", path, CodexCheckStatus.Warn, $"{outside} {drift.Finding}.", drift.Fix),
                CodexRuntimeDriftStatus.Drift => new CodexEnvironmentCheck("Runtime", path, CodexCheckStatus.Fail, $"{outside} {drift.Finding}.", install),
                CodexRuntimeDriftStatus.NotChecked => new CodexEnvironmentCheck("Runtime", path, CodexCheckStatus.Warn, $"{outside} {drift.Finding}.", install),
                _ => new CodexEnvironmentCheck("Runtime", path, CodexCheckStatus.Warn, outside, install),
            },
            null => new CodexEnvironmentCheck("Runtime", path, CodexCheckStatus.Warn,
                $"{where}; its version could not be read from its initialize answer.",
                $"Use the pinned version {CodexRuntimeLocator.PinnedVersion}."),
        };
    }

    private static async Task<CodexEnvironmentCheck> SandboxAsync(string? binary, string? home, CodexClient? client, CancellationToken cancellationToken)
    {
        try
        {
            return await CodexSandboxInspector.InspectAsync(binary, home, client, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CodexException or IOException or TimeoutException)
        {
            return new CodexEnvironmentCheck("Sandbox", null, CodexCheckStatus.Fail, "The sandbox could not be checked: " + FirstLine(ex.Message), "See the message; check the runtime's version.");
        }
    }

    private static async Task<(CodexEnvironmentCheck Check, JsonElement Config)> ConfigAsync(
        CodexClient client, string? home, JsonElement? schema, IReadOnlyList<string> warnings, CancellationToken cancellationToken)
    {
        var file = string.IsNullOrEmpty(home) ? null : Path.Combine(home, "config.toml");
        JsonElement answer;
        try
        {
            answer = await client.RequestAsync("config/read", new JsonObject { ["includeLayers"] = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (CodexRpcException ex)
        {
            return (new CodexEnvironmentCheck("Config", file, CodexCheckStatus.Fail, "The runtime cannot read its config (config/read): " + ex.Message,
                $"Correct {file ?? "config.toml"} at the place named (Get-Content it; Set-CodexConfig writes valid values); until then the runtime runs with its defaults."), default);
        }

        var config = answer.Prop("config");
        var problems = schema is { } root ? CodexConfigSchemaValidator.Validate(config, root) : Array.Empty<string>();
        var notes = warnings.Where(w => !w.Contains("bubblewrap", StringComparison.OrdinalIgnoreCase)).ToArray();
        if (problems.Count > 0)
        {
            return (new CodexEnvironmentCheck("Config", file, CodexCheckStatus.Fail,
                "The config does not fit the runtime's schema: " + string.Join("; ", problems) + ".",
                $"Correct these keys in {file ?? "config.toml"} (Set-CodexConfig -Key ... -Value ...)."), config);
        }

        if (notes.Length > 0)
        {
            return (new CodexEnvironmentCheck("Config", file, CodexCheckStatus.Warn,
                "config/read succeeded, but the runtime warned at start: " + string.Join(" ", notes), "Follow the runtime's warning."), config);
        }

        var origin = file is not null && File.Exists(file) ? file : "no config.toml (defaults and overrides only)";
        return (new CodexEnvironmentCheck("Config", file, CodexCheckStatus.Pass,
            $"config/read succeeded ({origin}){(schema is null ? string.Empty : "; every value fits the runtime's schema")}.", null), config);
    }

    /// <summary>The model provider the runtime will use, from the effective config.</summary>
    private sealed record ProviderInfo(string Id, string? Name, string BaseUrl, string? EnvKey, bool? RequiresOpenaiAuth);

    private static ProviderInfo Provider(JsonElement config, CodexClient client)
    {
        var id = config.ValueKind == JsonValueKind.Object ? config.Str("model_provider") ?? "openai" : client.ModelProvider?.Id ?? "openai";
        var entry = config.ValueKind == JsonValueKind.Object ? config.Prop("model_providers").Prop(id) : default;
        if (entry.ValueKind == JsonValueKind.Object && entry.Str("base_url") is { } url)
        {
            return new ProviderInfo(id, entry.Str("name"), url, entry.Str("env_key"), entry.Bool("requires_openai_auth"));
        }

        if (client.ModelProvider is { } own && own.Id == id)
        {
            return new ProviderInfo(id, own.Name, own.BaseUrl, own.EnvKey, null);
        }

        // The built-in OpenAI provider; codex honours OPENAI_BASE_URL for it.
        var baseUrl = Environment.GetEnvironmentVariable("OPENAI_BASE_URL") is { Length: > 0 } fromEnvironment ? fromEnvironment : OpenAiBaseUrl;
        return new ProviderInfo(id, "OpenAI", baseUrl, null, true);
    }

    private static async Task<CodexEnvironmentCheck> LoginAsync(CodexClient client, ProviderInfo provider, CancellationToken cancellationToken)
    {
        CodexAccount? account;
        try
        {
            account = await client.ReadAccountAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CodexRpcException ex)
        {
            return new CodexEnvironmentCheck("Login", null, CodexCheckStatus.Fail, "account/read failed: " + ex.Message, "See the message; check the Runtime and Config checks.");
        }

        if (account is not null)
        {
            return new CodexEnvironmentCheck("Login", account.AuthMode, CodexCheckStatus.Pass, $"Logged in: {account}.", null);
        }

        if (client.RequiresOpenaiAuth == true)
        {
            return new CodexEnvironmentCheck("Login", null, CodexCheckStatus.Fail,
                $"Logged out, and the model provider '{provider.Id}' needs an OpenAI login.",
                "Log in: Connect-CodexAccount -DeviceCode (ChatGPT) or Connect-CodexAccount -ApiKey (Read-Host -AsSecureString); or Connect-Codex -ApiKeyEnvironmentVariable NAME.");
        }

        if (provider.EnvKey is { Length: > 0 } variable)
        {
            return string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable))
                ? new CodexEnvironmentCheck("Login", variable, CodexCheckStatus.Fail,
                    $"The model provider '{provider.Id}' reads its key from ${variable}, which is not set in this session.",
                    $"Set it before connecting: $env:{variable} = '<key>' (or read it from a secret store).")
                : new CodexEnvironmentCheck("Login", variable, CodexCheckStatus.Pass, $"The model provider '{provider.Id}' reads its key from ${variable}, which is set.", null);
        }

        return new CodexEnvironmentCheck("Login", null, CodexCheckStatus.Pass, $"No login needed: the model provider '{provider.Id}' ({provider.Name ?? provider.BaseUrl}) does not use an OpenAI login or a key variable.", null);
    }


    private static async Task<CodexEnvironmentCheck> EndpointAsync(ProviderInfo provider, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(provider.BaseUrl, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            return new CodexEnvironmentCheck("Endpoint", provider.BaseUrl, CodexCheckStatus.Fail, $"The provider '{provider.Id}' has the base URL '{provider.BaseUrl}', which is not an http(s) URL.",
                "Correct model_providers." + provider.Id + ".base_url (or Connect-Codex -BaseUrl).");
        }

        // GET <base>/models costs no tokens; any HTTP answer (even 401 or 404) shows the endpoint can be reached.
        var probe = new Uri(baseUri.AbsoluteUri.TrimEnd('/') + "/models");
        return await ProbeEndpointAsync(provider.Id, probe, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One GET with a short time limit, through the system proxy; the verdict says what answered, or why nothing did.</summary>
    internal static async Task<CodexEnvironmentCheck> ProbeEndpointAsync(string providerId, Uri probe, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var watch = Stopwatch.StartNew();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, probe);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            var found = $"GET {probe} answered HTTP {code} in {watch.ElapsedMilliseconds.ToString(CultureInfo.InvariantCulture)} ms (provider '{providerId}')";
            return code >= 500
                ? new CodexEnvironmentCheck("Endpoint", probe.GetLeftPart(UriPartial.Path), CodexCheckStatus.Warn, found + "; the endpoint reports a server error.", "Check the endpoint's status page or its logs.")
                : new CodexEnvironmentCheck("Endpoint", probe.GetLeftPart(UriPartial.Path), CodexCheckStatus.Pass, found + ".", null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new CodexEnvironmentCheck("Endpoint", probe.GetLeftPart(UriPartial.Path), CodexCheckStatus.Fail,
                $"GET {probe} got no answer within {timeout.TotalSeconds:0.#} s (provider '{providerId}').",
                "Check the network, proxy (HTTPS_PROXY), VPN and firewall; raise -TimeoutSec for a slow link.");
        }
        catch (HttpRequestException ex)
        {
            return new CodexEnvironmentCheck("Endpoint", probe.GetLeftPart(UriPartial.Path), CodexCheckStatus.Fail,
                $"GET {probe} failed after {watch.ElapsedMilliseconds.ToString(CultureInfo.InvariantCulture)} ms (provider '{providerId}'): {(ex.InnerException ?? ex).Message}",
                "Check the base URL, DNS, proxy (HTTPS_PROXY), custom CA (SSL_CERT_FILE) and firewall; is the server running?");
        }
    }

    private static async Task<IReadOnlyList<CodexEnvironmentCheck>> McpAsync(CodexClient client, CancellationToken cancellationToken)
    {
        var checks = new List<CodexEnvironmentCheck>();
        string? cursor = null;
        try
        {
            do
            {
                var parameters = new JsonObject();
                if (cursor is not null)
                {
                    parameters["cursor"] = cursor;
                }

                var page = await client.RequestAsync("mcpServerStatus/list", parameters, cancellationToken).ConfigureAwait(false);
                checks.AddRange(page.Array("data").Select(McpCheck));
                cursor = page.Str("nextCursor");
            }
            while (cursor is not null);
        }
        catch (CodexRpcException ex)
        {
            return new[] { new CodexEnvironmentCheck("McpServer", null, CodexCheckStatus.Fail, "mcpServerStatus/list failed: " + ex.Message, "Check the mcp_servers entries of the config (Get-CodexMcpServer).") };
        }

        return checks.Count > 0 ? checks : new[] { new CodexEnvironmentCheck("McpServer", null, CodexCheckStatus.Pass, "No MCP servers are configured.", null) };
    }

    /// <summary>One server's verdict from its mcpServerStatus/list entry.</summary>
    internal static CodexEnvironmentCheck McpCheck(JsonElement status)
    {
        var name = status.Str("name") ?? "(unnamed)";
        var state = status.Str("runtimeStatus");
        var toolCount = status.Prop("tools").ValueKind == JsonValueKind.Object ? status.Prop("tools").EnumerateObject().Count() : 0;
        var error = status.Str("toolsError");
        if (error is not null || state == "failed")
        {
            return new CodexEnvironmentCheck("McpServer", name, CodexCheckStatus.Fail, $"MCP server '{name}' did not start: {DisplayText.Sanitize(error ?? "status failed", 400)}",
                $"Check its command, arguments and environment (Get-CodexMcpServer -Name {name}); fix it with Set-CodexMcpServer, or disable it.");
        }

        return state switch
        {
            "disabled" => new CodexEnvironmentCheck("McpServer", name, CodexCheckStatus.Pass, $"MCP server '{name}' is disabled in the config.", null),
            "authenticationRequired" => new CodexEnvironmentCheck("McpServer", name, CodexCheckStatus.Warn, $"MCP server '{name}' needs a login.", $"Log in to it: codex mcp login {name}."),
            _ => new CodexEnvironmentCheck("McpServer", name, CodexCheckStatus.Pass,
                $"MCP server '{name}' started{(status.Prop("serverInfo").Str("name") is { } server ? $" ({server} {status.Prop("serverInfo").Str("version")})".TrimEnd() : string.Empty)} with {toolCount} tool(s).", null),
        };
    }
}
