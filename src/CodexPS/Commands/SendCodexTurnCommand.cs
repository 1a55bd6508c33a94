using System.Management.Automation;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>Sends a prompt to a conversation and writes the turn's events as they happen.</summary>
[Cmdlet(VerbsCommunications.Send, "CodexTurn", DefaultParameterSetName = ObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CodexEvent))]
public sealed class SendCodexTurnCommand : ConversationTurnCmdlet
{
    /// <summary>What to ask the agent.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [AllowEmptyString]
    public string Prompt { get; set; } = string.Empty;

    /// <summary>A model for this turn only.</summary>
    [Parameter]
    public string? Model { get; set; }

    /// <summary>Reasoning effort for this turn (minimal, low, medium, high, xhigh).</summary>
    [Parameter]
    public string? Effort { get; set; }

    protected override void ProcessRecord()
    {
        var conversation = ResolveConversation();
        if (conversation is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(Prompt))
        {
            WriteError(NewError("CodexPromptEmpty", ErrorCategory.InvalidArgument, Prompt, "The prompt is empty; nothing was sent."));
            return;
        }

        var options = new CodexTurnOptions { IncludeDeltas = IncludeDelta, Model = Model, Effort = Effort };
        RunTurn(conversation, Prompt, options, WriteObject);
    }
}
