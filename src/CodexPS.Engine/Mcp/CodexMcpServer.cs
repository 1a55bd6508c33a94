using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Config;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Mcp;

/// <summary>A tool an MCP server offers, as the runtime listed it.</summary>
public sealed class CodexMcpTool
{
    internal CodexMcpTool(string server, JsonElement json)
    {
        Server = server;
        Name = json.Str("name") ?? string.Empty;
        Title = json.Str("title");
        Description = json.Str("description");
        var schema = json.Prop("inputSchema");
        InputSchema = schema.ValueKind == JsonValueKind.Object ? schema.GetRawText() : null;
        ReadOnly = json.Prop("annotations").Bool("readOnlyHint");
    }

    public string Server { get; }

    public string Name { get; }

    public string? Title { get; }

    public string? Description { get; }

    /// <summary>The JSON schema of the tool's arguments, as JSON text.</summary>
    public string? InputSchema { get; }

    /// <summary>The server's readOnlyHint annotation; null when it gives none.</summary>
    public bool? ReadOnly { get; }

    public override string ToString() => $"{Server}.{Name}";
}

/// <summary>
/// An MCP server: how the user config defines it (mcp_servers.&lt;name&gt;) and what the runtime reports about it
/// (mcpServerStatus/list, mcpServer/startupStatus/updated). Environment values are never exposed, only their names.
/// </summary>
public sealed class CodexMcpServer
{
    internal CodexMcpServer(string name, JsonElement config, JsonElement status, CodexMcpStartup? startup, string? conversationId)
    {
        Name = name;
        ConversationId = conversationId;
        Command = config.Str("command");
        Arguments = config.Array("args").Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!).ToArray();
        var env = config.Prop("env");
        EnvironmentVariableNames = env.ValueKind == JsonValueKind.Object ? env.EnumerateObject().Select(p => p.Name).ToArray() : Array.Empty<string>();
        WorkingDirectory = config.Str("cwd");
        Url = config.Str("url");
        BearerTokenEnvironmentVariable = config.Str("bearer_token_env_var");
        Transport = Command is not null ? "Stdio" : Url is not null ? "Http" : null;
        Enabled = config.Bool("enabled");
        StartupTimeoutSec = config.Double("startup_timeout_sec");
        ToolTimeoutSec = config.Double("tool_timeout_sec");
        IsConfigured = config.ValueKind == JsonValueKind.Object;

        IsReported = status.ValueKind == JsonValueKind.Object;
        Status = status.Str("runtimeStatus") is { } runtimeStatus ? Json.Pascal(runtimeStatus) : null;
        AuthStatus = status.Str("authStatus") is { } auth ? Json.Pascal(auth) : null;
        var info = status.Prop("serverInfo");
        ServerName = info.Str("name");
        ServerVersion = info.Str("version");
        ServerTitle = info.Str("title");
        var tools = status.Prop("tools");
        Tools = tools.ValueKind == JsonValueKind.Object
            ? tools.EnumerateObject().Select(t => new CodexMcpTool(name, t.Value)).OrderBy(t => t.Name, StringComparer.Ordinal).ToArray()
            : Array.Empty<CodexMcpTool>();
        ToolsError = status.Str("toolsError");
        ResourceCount = status.Array("resources").Count();
        StartupStatus = startup?.Status;
        StartupError = startup?.Error;
    }

    public string Name { get; }

    /// <summary>Stdio (a command the runtime starts) or Http (a streamable HTTP url).</summary>
    public string? Transport { get; }

    public string? Command { get; }

    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The names of the environment variables the config sets for the server (their values are not shown).</summary>
    public IReadOnlyList<string> EnvironmentVariableNames { get; }

    public string? WorkingDirectory { get; }

    public string? Url { get; }

    /// <summary>The environment variable the runtime reads a bearer token from (Http).</summary>
    public string? BearerTokenEnvironmentVariable { get; }

    /// <summary>False when the config disables the server; null when the config does not say (enabled).</summary>
    public bool? Enabled { get; }

    public double? StartupTimeoutSec { get; }

    public double? ToolTimeoutSec { get; }

    /// <summary>The conversation whose connection the status describes, when one was given.</summary>
    public string? ConversationId { get; }

    /// <summary>For a conversation: NotStarted, Starting, Connected, AuthenticationRequired, Failed, Cancelled or Disabled.</summary>
    public string? Status { get; }

    /// <summary>The last startup state the runtime announced for the conversation: Starting, Ready, Failed or Cancelled.</summary>
    public string? StartupStatus { get; }

    public string? StartupError { get; }

    /// <summary>Unknown, Unsupported, NotLoggedIn, BearerToken or OAuth.</summary>
    public string? AuthStatus { get; }

    /// <summary>The name the server itself reports (serverInfo), when it could be started.</summary>
    public string? ServerName { get; }

    public string? ServerVersion { get; }

    public string? ServerTitle { get; }

    public IReadOnlyList<CodexMcpTool> Tools { get; }

    /// <summary>Why the runtime could not list the server's tools (start-up or handshake failure).</summary>
    public string? ToolsError { get; }

    public int ResourceCount { get; }

    /// <summary>The server is defined in the config the runtime reads.</summary>
    public bool IsConfigured { get; }

    /// <summary>The runtime reported the server (mcpServerStatus/list).</summary>
    public bool IsReported { get; }

    public override string ToString() => Name;
}

/// <summary>A startup state announced by mcpServer/startupStatus/updated.</summary>
public sealed record CodexMcpStartup(string Status, string? Error);

/// <summary>Reads and changes the MCP servers the runtime uses: config writes under mcp_servers, then config/mcpServer/reload.</summary>
public static class CodexMcpCatalog
{
    /// <summary>Every configured or reported server; with a conversation, the state of that conversation's connections.</summary>
    public static async Task<IReadOnlyList<CodexMcpServer>> ListAsync(CodexClient client, string? conversationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var configured = await ReadConfiguredAsync(client, cancellationToken).ConfigureAwait(false);
        var reported = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var parameters = new JsonObject();
            if (conversationId is not null)
            {
                parameters["threadId"] = conversationId;
            }

            if (cursor is not null)
            {
                parameters["cursor"] = cursor;
            }

            var page = await client.RequestAsync("mcpServerStatus/list", parameters, cancellationToken).ConfigureAwait(false);
            foreach (var entry in page.Array("data"))
            {
                if (entry.Str("name") is { } name)
                {
                    reported[name] = entry.Clone();
                }
            }

            cursor = page.Str("nextCursor");
        }
        while (cursor is not null);

        return configured.Keys.Union(reported.Keys, StringComparer.Ordinal)
            .OrderBy(n => n, StringComparer.Ordinal)
            .Select(name => new CodexMcpServer(
                name,
                configured.TryGetValue(name, out var config) ? config : default,
                reported.TryGetValue(name, out var status) ? status : default,
                conversationId is null ? null : client.McpStartupFor(conversationId, name),
                conversationId))
            .ToArray();
    }

    /// <summary>The mcp_servers table of the effective config, by server name.</summary>
    public static async Task<IReadOnlyDictionary<string, JsonElement>> ReadConfiguredAsync(CodexClient client, CancellationToken cancellationToken)
    {
        var snapshot = await CodexConfigStore.ReadAsync(client.RequestAsync, null, cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (snapshot.TryGet("mcp_servers", out var servers) && servers.ValueKind == JsonValueKind.Object)
        {
            foreach (var server in servers.EnumerateObject())
            {
                result[server.Name] = server.Value.Clone();
            }
        }

        return result;
    }

    /// <summary>Writes mcp_servers.&lt;name&gt; (replacing it, or merging the given fields into it) and makes the runtime reload its servers.</summary>
    public static async Task WriteAsync(CodexClient client, string name, JsonObject definition, bool merge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (merge)
        {
            var edits = definition.Select(p => new KeyValuePair<string, object?>(KeyPath(name) + "." + p.Key, p.Value?.DeepClone())).ToArray();
            if (edits.Length > 0)
            {
                await CodexConfigStore.WriteBatchAsync(client.RequestAsync, edits, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            var parameters = new JsonObject { ["keyPath"] = KeyPath(name), ["value"] = definition.DeepClone(), ["mergeStrategy"] = "replace" };
            await client.RequestAsync("config/value/write", parameters, cancellationToken).ConfigureAwait(false);
        }

        await ReloadAsync(client, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes mcp_servers.&lt;name&gt; from the user config and makes the runtime reload its servers.</summary>
    public static async Task RemoveAsync(CodexClient client, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var parameters = new JsonObject { ["keyPath"] = KeyPath(name), ["value"] = null, ["mergeStrategy"] = "replace" };
        await client.RequestAsync("config/value/write", parameters, cancellationToken).ConfigureAwait(false);
        await ReloadAsync(client, cancellationToken).ConfigureAwait(false);
    }

    public static Task ReloadAsync(CodexClient client, CancellationToken cancellationToken) =>
        client.RequestAsync("config/mcpServer/reload", null, cancellationToken);

    /// <summary>Names become one TOML key: letters, digits, '-' and '_' only.</summary>
    public static bool IsValidName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string KeyPath(string name) => "mcp_servers." + name;
}
