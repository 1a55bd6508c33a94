using System.Management.Automation;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>Reads the items (messages, commands, file changes, ...) of a conversation or one of its turns from the saved history.</summary>
[Cmdlet(VerbsCommon.Get, "CodexItem", DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(CodexItem))]
public sealed class GetCodexItemCommand : ConversationHistoryCmdlet
{
    private const string TurnSet = "Turn";

    /// <summary>A turn from Get-CodexTurn; only its items are read.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = TurnSet)]
    public CodexTurnInfo? Turn { get; set; }

    /// <summary>Only the items of this turn.</summary>
    [Parameter(ParameterSetName = ObjectSet)]
    [Parameter(ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    public string? TurnId { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var id = Turn?.ConversationId ?? Conversation?.Id ?? ConversationId!;
        var turnId = Turn?.Id ?? TurnId;
        var client = HistoryClient;
        string? cursor = null;
        try
        {
            do
            {
                var page = Await(client.ListItemsPageAsync(id, turnId, cursor, CancellationToken));
                foreach (var entry in page.Items)
                {
                    // The same typed items the live events carry, with where they belong attached.
                    var output = new PSObject(entry.Item);
                    output.Properties.Add(new PSNoteProperty("ConversationId", entry.ConversationId));
                    output.Properties.Add(new PSNoteProperty("TurnId", entry.TurnId));
                    WriteObject(output);
                }

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
