using System.Management.Automation;
using CodexPS.Engine.Conversations;

namespace CodexPS.Commands;

/// <summary>Interrupts the turn running in a conversation (from another runspace, a handler or a job).</summary>
[Cmdlet(VerbsLifecycle.Stop, "CodexTurn", DefaultParameterSetName = ObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class StopCodexTurnCommand : CodexCmdlet
{
    private const string ObjectSet = "Conversation";
    private const string IdSet = "ConversationId";

    /// <summary>The conversation whose running turn to stop.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 0, ParameterSetName = ObjectSet)]
    public CodexConversation? Conversation { get; set; }

    /// <summary>The id of a loaded conversation.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    public string? ConversationId { get; set; }

    /// <summary>Waits until the turn has ended.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void ProcessRecord()
    {
        var conversation = ConversationTurnCmdlet.Resolve(this, Conversation, ConversationId);
        if (conversation is null)
        {
            return;
        }

        var turn = conversation.ActiveTurn;
        if (turn is null)
        {
            WriteVerbose($"No turn is running in conversation {conversation.Id}.");
            return;
        }

        if (!ShouldProcess($"turn {turn.Id} of conversation {conversation.Id}", "Interrupt"))
        {
            return;
        }

        try
        {
            Await(turn.InterruptAsync(CancellationToken));
            if (Wait)
            {
                try
                {
                    Await(turn.Completion);
                }
                catch (Engine.CodexException)
                {
                    // The turn ended by failing; the reader of its events reports that.
                }
            }
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, conversation));
        }
    }
}
