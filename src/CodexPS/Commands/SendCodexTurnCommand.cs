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
    [ArgumentCompleter(typeof(Completers.ModelCompleter))]
    public string? Model { get; set; }

    /// <summary>Reasoning effort for this turn (minimal, low, medium, high, xhigh).</summary>
    [Parameter]
    public string? Effort { get; set; }

    /// <summary>
    /// Adds the prompt to the turn already running in the conversation (turn/steer) instead of starting one;
    /// works from an approval handler or another runspace. Writes nothing; the running turn's events carry on.
    /// </summary>
    [Parameter]
    public SwitchParameter Steer { get; set; }

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

        var options = BuildTurnOptions(Model, Effort);
        if (Steer)
        {
            try
            {
                Await(conversation.SteerAsync(Prompt, options.Images, CancellationToken));
                WriteVerbose($"Steered turn {conversation.ActiveTurn?.Id} of conversation {conversation.Id}.");
            }
            catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
            {
                WriteError(ToErrorRecord(ex, conversation));
            }

            return;
        }

        RunTurn(conversation, Prompt, options, WriteObject);
    }
}
