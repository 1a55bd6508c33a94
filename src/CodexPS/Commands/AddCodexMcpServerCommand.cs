using System.Management.Automation;
using CodexPS.Engine.Mcp;

namespace CodexPS.Commands;

/// <summary>Adds an MCP server to the user config (mcp_servers.&lt;name&gt;) and makes the runtime load it.</summary>
[Cmdlet(VerbsCommon.Add, "CodexMcpServer", DefaultParameterSetName = StdioSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CodexMcpServer))]
public sealed class AddCodexMcpServerCommand : McpServerCmdlet
{
    /// <summary>The server's name: letters, digits, '-' and '_'. The model sees its tools as mcp__&lt;name&gt;.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The program the runtime starts and speaks MCP with over stdio.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = StdioSet)]
    [ValidateNotNullOrEmpty]
    public string? Command { get; set; }

    /// <summary>The URL of a streamable HTTP MCP server.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = HttpSet)]
    [ValidateNotNull]
    public Uri? Url { get; set; }

    /// <summary>Adds the server switched off (enabled = false).</summary>
    [Parameter]
    public SwitchParameter Disabled { get; set; }

    /// <summary>Replaces a server of the same name.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (!CheckName(Name))
        {
            return;
        }

        if (Url is { IsAbsoluteUri: false } || Url is { Scheme: not ("http" or "https") })
        {
            WriteError(NewError("CodexMcpServerUrlInvalid", ErrorCategory.InvalidArgument, Url, $"'{Url}' is not an http or https URL."));
            return;
        }

        var definition = BuildDefinition(Command, Url, Disabled ? false : null);
        if (definition is null)
        {
            return;
        }

        var client = GetClient();
        if (ReadConfiguredNames(client, Name) is not { } configured)
        {
            return;
        }

        var exists = configured.Contains(Name);
        if (exists && !Force)
        {
            WriteError(NewError("CodexMcpServerExists", ErrorCategory.ResourceExists, Name,
                $"An MCP server named '{Name}' is already configured; use Set-CodexMcpServer to change it or -Force to replace it."));
            return;
        }

        if (!ShouldProcess(ConfigTarget(client, Name), exists ? "Replace" : "Add"))
        {
            return;
        }

        if (Change(Name, () => CodexMcpCatalog.WriteAsync(client, Name, definition, merge: false, CancellationToken)))
        {
            WriteVerbose($"Added MCP server '{Name}' and reloaded the runtime's MCP servers.");
            WriteServer(client, Name);
        }
    }
}
