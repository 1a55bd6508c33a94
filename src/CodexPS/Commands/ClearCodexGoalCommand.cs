using System.Management.Automation;

namespace CodexPS.Commands;

/// <summary>Clears the conversation's goal (thread/goal/clear).</summary>
[Cmdlet(VerbsCommon.Clear, "CodexGoal", DefaultParameterSetName = ObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class ClearCodexGoalCommand : LoadedConversationCmdlet
{
    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var conversation = ResolveConversation();
        if (conversation is null || !ShouldProcess($"conversation {conversation.Id}", "Clear goal"))
        {
            return;
        }

        try
        {
            var cleared = Await(conversation.Client.ClearGoalAsync(conversation.Id, CancellationToken));
            WriteVerbose(cleared ? $"Cleared the goal of conversation {conversation.Id}." : $"Conversation {conversation.Id} had no goal.");
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, conversation));
        }
    }
}
