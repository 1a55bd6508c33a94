using System.Management.Automation;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>Sets or changes the conversation's goal (thread/goal/set): objective, status, token budget.</summary>
[Cmdlet(VerbsCommon.Set, "CodexGoal", DefaultParameterSetName = ObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CodexGoal))]
public sealed class SetCodexGoalCommand : LoadedConversationCmdlet
{
    /// <summary>What the agent is to achieve. Left as it is when not given.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Objective { get; set; }

    /// <summary>The goal's status (Active, Paused, ...). Left as it is when not given.</summary>
    [Parameter]
    public CodexGoalStatus? Status { get; set; }

    /// <summary>The tokens the goal may use. Left as it is when not given.</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? TokenBudget { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var conversation = ResolveConversation();
        if (conversation is null)
        {
            return;
        }

        if (Objective is null && Status is null && TokenBudget is null)
        {
            WriteError(NewError("CodexGoalEmpty", ErrorCategory.InvalidArgument, conversation,
                "Give -Objective, -Status or -TokenBudget: there is nothing to set."));
            return;
        }

        var what = string.Join(", ", new[]
        {
            Objective is null ? null : $"objective '{Objective}'",
            Status is null ? null : $"status {Status}",
            TokenBudget is null ? null : $"token budget {TokenBudget}",
        }.Where(s => s is not null));
        if (!ShouldProcess($"conversation {conversation.Id}", $"Set goal: {what}"))
        {
            return;
        }

        try
        {
            WriteObject(Await(conversation.Client.SetGoalAsync(conversation.Id, Objective, Status, TokenBudget, CancellationToken)));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, conversation));
        }
    }
}
