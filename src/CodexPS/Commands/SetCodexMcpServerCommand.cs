using System.Management.Automation;
using CodexPS.Engine.Mcp;

namespace CodexPS.Commands;

/// <summary>Changes fields of a configured MCP server (merged into mcp_servers.&lt;name&gt;) and makes the runtime reload it.</summary>
[Cmdlet(VerbsCommon.Set, "CodexMcpServer", DefaultParameterSetName = StdioSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CodexMcpServer))]
public sealed class SetCodexMcpServerCommand : McpServerCmdlet
{
    /// <summary>The configured server to change; binds from a piped server's Name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.McpServerNameCompleter))]
    public string Name { get; set; } = string.Empty;

    /// <summary>A new program to start (stdio servers).</summary>
    [Parameter(ParameterSetName = StdioSet)]
    [ValidateNotNullOrEmpty]
    public string? Command { get; set; }

    /// <summary>A new URL (HTTP servers).</summary>
    [Parameter(ParameterSetName = HttpSet)]
    [ValidateNotNull]
    public Uri? Url { get; set; }

    /// <summary>Switches the server on ($true) or off ($false).</summary>
    [Parameter]
    public bool? Enabled { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (!CheckName(Name))
        {
            return;
        }

        var definition = BuildDefinition(Command, Url, Enabled);
        if (definition is null)
        {
            return;
        }

        if (definition.Count == 0)
        {
            WriteError(NewError("CodexMcpServerNothingToSet", ErrorCategory.InvalidArgument, Name,
                "Give at least one of -Command, -ArgumentList, -Environment, -WorkingDirectory, -Url, -BearerTokenEnvironmentVariable, -Enabled, -EnabledTool, -DisabledTool, -StartupTimeoutSec or -ToolTimeoutSec."));
            return;
        }

        var client = GetClient();
        if (ReadConfiguredNames(client, Name) is not { } configured)
        {
            return;
        }

        if (!configured.Contains(Name))
        {
            WriteError(NewError("CodexMcpServerNotFound", ErrorCategory.ObjectNotFound, Name, $"No MCP server named '{Name}' is configured; add it with Add-CodexMcpServer."));
            return;
        }

        if (!ShouldProcess(ConfigTarget(client, Name), "Set " + string.Join(", ", definition.Select(p => p.Key))))
        {
            return;
        }

        if (Change(Name, () => CodexMcpCatalog.WriteAsync(client, Name, definition, merge: true, CancellationToken)))
        {
            WriteServer(client, Name);
        }
    }
}
