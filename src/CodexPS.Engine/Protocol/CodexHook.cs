using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>A hook the runtime found in its configuration (hooks/list), for one working directory.</summary>
public sealed class CodexHook
{
    internal CodexHook(string? workingDirectory, JsonElement hook)
    {
        WorkingDirectory = workingDirectory;
        Key = hook.Str("key") ?? string.Empty;
        EventName = Pascal(hook.Str("eventName"));
        HandlerType = Pascal(hook.Str("handlerType"));
        Command = hook.Str("command");
        McpServer = hook.Str("server");
        McpTool = hook.Str("tool");
        Matcher = hook.Str("matcher");
        Async = hook.Bool("async");
        Enabled = hook.Bool("enabled");
        IsManaged = hook.Bool("isManaged");
        TrustStatus = Pascal(hook.Str("trustStatus"));
        CurrentHash = hook.Str("currentHash");
        Source = Pascal(hook.Str("source"));
        SourcePath = hook.Str("sourcePath");
        PluginId = hook.Str("pluginId");
        StatusMessage = hook.Str("statusMessage");
        Timeout = hook.Long("timeoutSec") is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
        DisplayOrder = hook.Long("displayOrder");
    }

    /// <summary>The working directory the hook applies to (hooks/list answers per directory).</summary>
    public string? WorkingDirectory { get; }

    /// <summary>The hook's key: its source file and its position there; trust and state are stored under it.</summary>
    public string Key { get; }

    /// <summary>The event that runs it (UserPromptSubmit, PreToolUse, PostToolUse, Stop, SessionStart, ...).</summary>
    public string? EventName { get; }

    /// <summary>Command, McpTool, Prompt or Agent.</summary>
    public string? HandlerType { get; }

    /// <summary>The command a Command hook runs.</summary>
    public string? Command { get; }

    /// <summary>The MCP server of an McpTool hook.</summary>
    public string? McpServer { get; }

    /// <summary>The MCP tool of an McpTool hook.</summary>
    public string? McpTool { get; }

    /// <summary>The tool-name pattern the hook matches; null when it matches every tool.</summary>
    public string? Matcher { get; }

    /// <summary>A Command hook that runs without holding up the turn.</summary>
    public bool? Async { get; }

    /// <summary>Whether the hook is enabled.</summary>
    public bool? Enabled { get; }

    /// <summary>Set by an administrator (system, MDM, cloud); trusted by policy and not configurable.</summary>
    public bool? IsManaged { get; }

    /// <summary>Managed, Untrusted, Trusted or Modified. The runtime runs an unmanaged hook only when Trusted.</summary>
    public string? TrustStatus { get; }

    /// <summary>The hash of the hook's definition now; trusting the hook records it.</summary>
    public string? CurrentHash { get; }

    /// <summary>Where it is configured: User, Project, System, Plugin, ...</summary>
    public string? Source { get; }

    /// <summary>The file that configures it (a hooks.json or a config.toml).</summary>
    public string? SourcePath { get; }

    /// <summary>The plugin that brings it, if any.</summary>
    public string? PluginId { get; }

    /// <summary>The message shown while it runs.</summary>
    public string? StatusMessage { get; }

    /// <summary>How long it may run.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Its place among the hooks of its event.</summary>
    public long? DisplayOrder { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{EventName} {Command ?? HandlerType}";

    private static string? Pascal(string? value) => value is null ? null : Json.Pascal(value);
}
