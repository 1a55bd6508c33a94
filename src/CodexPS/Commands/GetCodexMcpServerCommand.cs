using System.Management.Automation;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Mcp;

namespace CodexPS.Commands;

/// <summary>Lists the MCP servers the runtime knows (mcp_servers in the config, mcpServerStatus/list): status, tools, auth.</summary>
[Cmdlet(VerbsCommon.Get, "CodexMcpServer", DefaultParameterSetName = DefaultSet)]
[OutputType(typeof(CodexMcpServer))]
public sealed class GetCodexMcpServerCommand : CodexCmdlet
{
    private const string DefaultSet = "Default";
    private const string ConversationSet = "Conversation";

    /// <summary>Server names to return; wildcards allowed.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completers.McpServerNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Reports the servers as this conversation sees them (its connections and their startup state).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ConversationSet)]
    public CodexConversation? Conversation { get; set; }

    /// <summary>Like -Conversation, by id.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "ConversationId")]
    [ArgumentCompleter(typeof(Completers.ConversationIdCompleter))]
    public string? ConversationId { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var client = GetClient();
        string? threadId = null;
        if (Conversation is not null || ConversationId is not null)
        {
            var conversation = ConversationTurnCmdlet.Resolve(this, Conversation, ConversationId);
            if (conversation is null)
            {
                return;
            }

            threadId = conversation.Id;
        }

        IReadOnlyList<CodexMcpServer> servers;
        try
        {
            servers = Await(CodexMcpCatalog.ListAsync(client, threadId, CancellationToken));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, "mcpServerStatus/list"));
            return;
        }

        if (Name is null || Name.Length == 0)
        {
            WriteObject(servers, enumerateCollection: true);
            return;
        }

        foreach (var name in Name)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var found = servers.Where(s => pattern.IsMatch(s.Name)).ToArray();
            WriteObject(found, enumerateCollection: true);
            if (found.Length == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(NewError("CodexMcpServerNotFound", ErrorCategory.ObjectNotFound, name, $"No MCP server named '{name}' is configured."));
            }
        }
    }
}
