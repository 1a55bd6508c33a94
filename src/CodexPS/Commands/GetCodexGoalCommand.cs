using System.Management.Automation;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>The conversation's goal (thread/goal/get): its objective, status, budget and use; nothing when it has none.</summary>
[Cmdlet(VerbsCommon.Get, "CodexGoal", DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(CodexGoal))]
public sealed class GetCodexGoalCommand : LoadedConversationCmdlet
{
    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var conversation = ResolveConversation();
        if (conversation is null)
        {
            return;
        }

        try
        {
            if (Await(conversation.Client.GetGoalAsync(conversation.Id, CancellationToken)) is { } goal)
            {
                WriteObject(goal);
            }
            else
            {
                WriteVerbose($"Conversation {conversation.Id} has no goal.");
            }
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, conversation));
        }
    }
}
