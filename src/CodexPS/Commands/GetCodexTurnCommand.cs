using System.Management.Automation;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>Reads the turns of a conversation from the runtime's saved history, oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "CodexTurn", DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(CodexTurnInfo))]
public sealed class GetCodexTurnCommand : ConversationHistoryCmdlet
{
    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var id = Conversation?.Id ?? ConversationId!;
        var client = HistoryClient;
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
