using System.Management.Automation;
using CodexPS.Engine.Conversations;

namespace CodexPS.Commands;

/// <summary>Interrupts the turn running in a conversation (from another runspace, a handler or a job).</summary>
[Cmdlet(VerbsLifecycle.Stop, "CodexTurn", DefaultParameterSetName = ObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class StopCodexTurnCommand : LoadedConversationCmdlet
{
    /// <summary>Waits until the turn has ended.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var conversation = ResolveConversation();
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
