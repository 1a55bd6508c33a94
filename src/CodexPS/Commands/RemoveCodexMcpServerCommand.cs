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

    /// <summary>The runtime's -Config keys that define part of the server (mcp_servers.&lt;name&gt; or below it).</summary>
    private static string[] SessionKeysFor(string server)
    {
        var config = RuntimeRegistry.SettingsFor(null)?.Config;
        if (config is null)
        {
            return Array.Empty<string>();
        }

        var prefix = "mcp_servers." + server;
        return Engine.Runtime.CodexConfigOverrides.Flatten(config)
            .Select(p => p.Key)
            .Where(k => string.Equals(k, prefix, StringComparison.Ordinal) || k.StartsWith(prefix + ".", StringComparison.Ordinal))
            .ToArray();
    }

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
                if (SessionKeysFor(match) is { Length: > 0 } keys)
                {
                    WriteError(NewError("CodexMcpServerInSessionConfig", ErrorCategory.InvalidOperation, match,
                        $"MCP server '{match}' is also set by this runtime's Connect-Codex -Config ({string.Join(", ", keys)}). The runtime keeps those keys "
                        + "for as long as it runs, so it would refuse the removal (what they leave of the server is not a valid definition) or keep the server "
                        + $"anyway; nothing was changed. Connect again without those keys (Connect-Codex without them in -Config), then remove '{match}'."));
                    continue;
                }

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
