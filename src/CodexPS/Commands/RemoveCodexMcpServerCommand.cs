using System.Management.Automation;
using CodexPS.Engine.Mcp;

namespace CodexPS.Commands;

/// <summary>Removes MCP servers from the user config and makes the runtime unload them.</summary>
[Cmdlet(VerbsCommon.Remove, "CodexMcpServer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveCodexMcpServerCommand : CodexCmdlet
{
    /// <summary>The servers to remove; binds from a piped server's Name. Wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.McpServerNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var client = GetClient();
        string[] configured;
        try
        {
            configured = Await(CodexMcpCatalog.ReadConfiguredAsync(client, CancellationToken)).Keys.ToArray();
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, Name));
            return;
        }

        foreach (var name in Name)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var matches = configured.Where(n => pattern.IsMatch(n)).ToArray();
            if (matches.Length == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(NewError("CodexMcpServerNotFound", ErrorCategory.ObjectNotFound, name, $"No MCP server named '{name}' is configured."));
            }

            foreach (var match in matches)
            {
                if (!ShouldProcess($"MCP server '{match}' in {Path.Combine(client.CodexHome, "config.toml")}", "Remove"))
                {
                    continue;
                }

                try
                {
                    Await(CodexMcpCatalog.RemoveAsync(client, match, CancellationToken));
                    WriteVerbose($"Removed MCP server '{match}'.");
                }
                catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
                {
                    WriteError(ToErrorRecord(ex, match));
                }
            }
        }
    }
}
