using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Mcp;

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
        EnabledTools = ToolList(config, "enabled_tools");
        DisabledTools = ToolList(config, "disabled_tools");
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

    /// <summary>The server's key under [mcp_servers] in config.toml.</summary>
    public string Name { get; }

    /// <summary>Stdio (a command the runtime starts) or Http (a streamable HTTP url).</summary>
    public string? Transport { get; }

    /// <summary>The program a stdio server is started with; null for a URL server.</summary>
    public string? Command { get; }

    /// <summary>The stdio server's arguments, in order; empty when none.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The names of the environment variables the config sets for the server (their values are not shown).</summary>
    public IReadOnlyList<string> EnvironmentVariableNames { get; }

    /// <summary>Where a stdio server starts; null: the runtime's default.</summary>
    public string? WorkingDirectory { get; }

    /// <summary>A streamable-HTTP server's address; null for a stdio server.</summary>
    public string? Url { get; }

    /// <summary>The environment variable the runtime reads a bearer token from (Http).</summary>
    public string? BearerTokenEnvironmentVariable { get; }

    /// <summary>False when the config disables the server; null when the config does not say (enabled).</summary>
    public bool? Enabled { get; }

    /// <summary>How long the runtime waits for the server to start; null: its default.</summary>
    public double? StartupTimeoutSec { get; }

    /// <summary>How long one tool call may run; null: the runtime's default.</summary>
    public double? ToolTimeoutSec { get; }

    /// <summary>The only tools the model may use (enabled_tools); null when the config sets no allow-list (all of them).</summary>
    public IReadOnlyList<string>? EnabledTools { get; }

    /// <summary>Tools the model never sees (disabled_tools, applied after EnabledTools); null when the config sets none.</summary>
    public IReadOnlyList<string>? DisabledTools { get; }

    private static string[]? ToolList(JsonElement config, string key) =>
        config.Prop(key).ValueKind == JsonValueKind.Array
            ? config.Array(key).Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToArray()
            : null;

    /// <summary>The conversation whose connection the status describes, when one was given.</summary>
    public string? ConversationId { get; }

    /// <summary>For a conversation: NotStarted, Starting, Connected, AuthenticationRequired, Failed, Cancelled or Disabled.</summary>
    public string? Status { get; }

    /// <summary>The last startup state the runtime announced for the conversation: Starting, Ready, Failed or Cancelled.</summary>
    public string? StartupStatus { get; }

    /// <summary>Why the server failed to start, as the runtime reported it; null when it started or was not tried.</summary>
    public string? StartupError { get; }

    /// <summary>Unknown, Unsupported, NotLoggedIn, BearerToken or OAuth.</summary>
    public string? AuthStatus { get; }

    /// <summary>The name the server itself reports (serverInfo), when it could be started.</summary>
    public string? ServerName { get; }

    /// <summary>The version the server reported when it started; null when unknown.</summary>
    public string? ServerVersion { get; }

    /// <summary>The display name the server reported; null when unknown.</summary>
    public string? ServerTitle { get; }

    /// <summary>The tools the server offers the model.</summary>
    public IReadOnlyList<CodexMcpTool> Tools { get; }

    /// <summary>Why the runtime could not list the server's tools (start-up or handshake failure).</summary>
    public string? ToolsError { get; }

    /// <summary>How many resources the server lists.</summary>
    public int ResourceCount { get; }

    /// <summary>The server is defined in the config the runtime reads.</summary>
    public bool IsConfigured { get; }

    /// <summary>The runtime reported the server (mcpServerStatus/list).</summary>
    public bool IsReported { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
