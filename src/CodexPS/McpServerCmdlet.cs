using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Text.Json.Nodes;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Mcp;

namespace CodexPS;

/// <summary>Shared parts of the MCP server cmdlets: the name check, the definition fields and the config target.</summary>
public abstract class McpServerCmdlet : CodexCmdlet
{
    /// <summary>Parameter set of a server the runtime starts as a local process (stdio transport).</summary>
    protected const string StdioSet = "Stdio";
    /// <summary>Parameter set of a server the runtime reaches at a URL (streamable HTTP).</summary>
    protected const string HttpSet = "Http";

    /// <summary>The arguments passed to the command.</summary>
    [Parameter(ParameterSetName = StdioSet)]
    [Alias("Args")]
    public string[]? ArgumentList { get; set; }

    /// <summary>Environment variables set for the server process (written to config.toml; never shown back).</summary>
    [Parameter(ParameterSetName = StdioSet)]
    public Hashtable? Environment { get; set; }

    /// <summary>The folder the server process starts in.</summary>
    [Parameter(ParameterSetName = StdioSet)]
    public string? WorkingDirectory { get; set; }

    /// <summary>The environment variable the runtime reads a bearer token from for an HTTP server.</summary>
    [Parameter(ParameterSetName = HttpSet)]
    public string? BearerTokenEnvironmentVariable { get; set; }

    /// <summary>How long the runtime waits for the server to start, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public double? StartupTimeoutSec { get; set; }

    /// <summary>How long the runtime waits for one tool call, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public double? ToolTimeoutSec { get; set; }

    /// <summary>
    /// Only these of the server's tools reach the model (mcp_servers.&lt;name&gt;.enabled_tools, the TypeScript SDK's
    /// enabledTools). An empty list allows none; with Set-CodexMcpServer, $null removes the list (all tools again).
    /// </summary>
    [Parameter]
    [AllowNull]
    [AllowEmptyCollection]
    public string[]? EnabledTool { get; set; }

    /// <summary>These of the server's tools never reach the model (disabled_tools, applied after EnabledTool); $null with Set-CodexMcpServer removes the list.</summary>
    [Parameter]
    [AllowNull]
    [AllowEmptyCollection]
    public string[]? DisabledTool { get; set; }

    /// <summary>Writes the server as returned by Get-CodexMcpServer after the change.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>False (and writes CodexMcpServerNameInvalid) unless the name is one TOML key.</summary>
    protected bool CheckName(string name)
    {
        if (CodexMcpCatalog.IsValidName(name))
        {
            return true;
        }

        WriteError(NewError("CodexMcpServerNameInvalid", ErrorCategory.InvalidArgument, name,
            $"'{name}' is not a valid MCP server name: use letters, digits, '-' and '_' only."));
        return false;
    }

    /// <summary>The config fields the bound parameters set (command/url given by the caller).</summary>
    protected JsonObject? BuildDefinition(string? command, Uri? url, bool? enabled)
    {
        var definition = new JsonObject();
        if (command is not null)
        {
            definition["command"] = command;
        }

        if (ArgumentList is not null)
        {
            definition["args"] = new JsonArray(ArgumentList.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
        }

        if (Environment is not null)
        {
            var env = new JsonObject();
            foreach (DictionaryEntry entry in Environment)
            {
                env[Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!] = Convert.ToString(entry.Value is PSObject pso ? pso.BaseObject : entry.Value, CultureInfo.InvariantCulture);
            }

            definition["env"] = env;
        }

        if (WorkingDirectory is not null)
        {
            var cwd = ResolveDirectory(WorkingDirectory, out var error);
            if (cwd is null)
            {
                WriteError(error!);
                return null;
            }

            definition["cwd"] = cwd;
        }

        if (url is not null)
        {
            definition["url"] = url.AbsoluteUri;
        }

        if (BearerTokenEnvironmentVariable is not null)
        {
            definition["bearer_token_env_var"] = BearerTokenEnvironmentVariable;
        }

        if (StartupTimeoutSec is { } startup)
        {
            definition["startup_timeout_sec"] = startup;
        }

        if (ToolTimeoutSec is { } tool)
        {
            definition["tool_timeout_sec"] = tool;
        }

        if (enabled is { } on)
        {
            definition["enabled"] = on;
        }

        // A tool list given as $null is written as null: with merge, that removes the key (every tool again).
        AddToolList(definition, "enabled_tools", nameof(EnabledTool), EnabledTool);
        AddToolList(definition, "disabled_tools", nameof(DisabledTool), DisabledTool);
        return definition;
    }

    private void AddToolList(JsonObject definition, string key, string parameter, string[]? tools)
    {
        if (!MyInvocation.BoundParameters.ContainsKey(parameter))
        {
            return;
        }

        definition[key] = tools is null ? null : new JsonArray(tools.Distinct(StringComparer.Ordinal).Select(t => (JsonNode?)JsonValue.Create(t)).ToArray());
    }

    /// <summary>What ShouldProcess names: the server and the config.toml it is written to.</summary>
    protected static string ConfigTarget(CodexClient client, string name) => $"MCP server '{name}' in {Path.Combine(client.CodexHome, "config.toml")}";

    /// <summary>Runs a config change; a refusal by the runtime becomes CodexMcpServerConfigRejected with its message.</summary>
    protected bool Change(string name, Func<Task> change)
    {
        try
        {
            Await(change());
            return true;
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            var record = ToErrorRecord(ex, name);
            if (record.CategoryInfo.Category == ErrorCategory.ProtocolError)
            {
                record = new ErrorRecord(record.Exception, "CodexMcpServerConfigRejected", ErrorCategory.InvalidArgument, name);
            }

            WriteError(record);
            return false;
        }
    }

    /// <summary>The configured servers' names, or null after writing the runtime's failure (the target is the server's name).</summary>
    protected IReadOnlyCollection<string>? ReadConfiguredNames(CodexClient client, string name)
    {
        try
        {
            return Await(CodexMcpCatalog.ReadConfiguredAsync(client, CancellationToken)).Keys.ToArray();
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, name));
            return null;
        }
    }

    /// <summary>Writes the server as the runtime now sees it, so the caller sees what it changed.</summary>
    protected void WriteServer(CodexClient client, string name)
    {
        if (!PassThru)
        {
            return;
        }

        try
        {
            WriteObject(Await(CodexMcpCatalog.ListAsync(client, null, CancellationToken)).FirstOrDefault(s => s.Name == name));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            // The change was made; only reading it back failed.
            WriteError(ToErrorRecord(ex, name));
        }
    }
}
