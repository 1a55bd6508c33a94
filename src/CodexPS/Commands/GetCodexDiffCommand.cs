using System.Management.Automation;
using CodexPS.Engine.Conversations;

namespace CodexPS.Commands;

/// <summary>
/// The aggregated unified diff of a turn (the runtime's last turn/diff/updated for it): one object per file,
/// or with -Raw the whole diff as text.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CodexDiff", DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(CodexDiffFile), typeof(string))]
public sealed class GetCodexDiffCommand : LoadedConversationCmdlet
{
    /// <summary>The turn whose diff to return; by default the latest turn of the conversation that changed files.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    public string? TurnId { get; set; }

    /// <summary>Writes the whole unified diff as one string instead of one object per file.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var conversation = ResolveConversation();
        if (conversation is null)
        {
            return;
        }

        var diff = TurnId is null ? conversation.LastDiff : conversation.GetDiff(TurnId);
        if (diff is null)
        {
            if (TurnId is not null)
            {
                WriteError(NewError("CodexTurnDiffNotFound", ErrorCategory.ObjectNotFound, TurnId,
                    $"Conversation {conversation.Id} has no diff for turn '{TurnId}': the turn changed no files, or it did not run in this session."));
            }
            else
            {
                WriteVerbose($"No turn of conversation {conversation.Id} has changed files in this session.");
            }

            return;
        }

        if (Raw)
        {
            WriteObject(diff.Diff);
            return;
        }

        foreach (var file in diff.Files)
        {
            WriteObject(file);
        }
    }
}
