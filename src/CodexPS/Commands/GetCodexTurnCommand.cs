using System.Management.Automation;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>Reads the turns of a conversation from the runtime's saved history, oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "CodexTurn", DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(CodexTurnInfo))]
public sealed class GetCodexTurnCommand : CodexCmdlet
{
    private const string ObjectSet = "Conversation";
    private const string IdSet = "ConversationId";

    /// <summary>A live conversation (from New-CodexConversation or Copy-CodexConversation).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    public CodexConversation? Conversation { get; set; }

    /// <summary>The id of a saved conversation; binds from a piped object's ConversationId or Id.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ConversationIdCompleter))]
    public string? ConversationId { get; set; }

    protected override void ProcessRecord()
    {
        var id = Conversation?.Id ?? ConversationId!;
        var client = Conversation?.Client ?? GetClient();
        string? cursor = null;
        try
        {
            do
            {
                var page = Await(client.ListTurnsPageAsync(id, cursor, CancellationToken));
                WriteObject(page.Items, enumerateCollection: true);
                cursor = page.NextCursor;
            }
            while (cursor is not null);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, id));
        }
    }
}
