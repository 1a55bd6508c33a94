using System.Management.Automation;
using CodexPS.Engine;
using CodexPS.Engine.Undo;

namespace CodexPS.Commands;

/// <summary>
/// Undoes a turn and every later one: puts back the files they changed and removes them from the conversation's
/// history (thread/revert), so the next turn's request no longer carries them.
/// </summary>
[Cmdlet(VerbsCommon.Undo, "CodexTurn", DefaultParameterSetName = ObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(CodexUndoFile))]
public sealed class UndoCodexTurnCommand : LoadedConversationCmdlet
{
    /// <summary>The first turn to undo; it and every later turn are undone. Default: the last turn.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("TurnId")]
    [ArgumentCompleter(typeof(Completers.TurnIdCompleter))]
    public string? Turn { get; set; }

    /// <summary>Leaves files that changed since the turns as they are (with a warning naming them) and undoes the rest.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var conversation = ResolveConversation();
        if (conversation is null)
        {
            return;
        }

        if (conversation.Client.Location.Source == "Remote")
        {
            WriteError(NewError("CodexUndoNotSupported", ErrorCategory.InvalidOperation, conversation,
                $"Conversation {conversation.Id} runs in a remote runtime; its files are on that machine, where CodexPS cannot put them back."));
            return;
        }

        CodexUndoPlan plan;
        try
        {
            plan = Await(CodexUndo.PlanAsync(conversation, Turn, CancellationToken));
        }
        catch (CodexUndoException ex)
        {
            WriteError(ToRecord(ex));
            return;
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, conversation));
            return;
        }

        var conflicts = plan.Conflicts;
        if (conflicts.Count > 0 && !Force)
        {
            foreach (var file in conflicts)
            {
                WriteError(NewError("CodexUndoConflict", ErrorCategory.InvalidData, file.Path,
                    $"'{file.Path}' cannot be put back: {file.Reason}. Nothing was undone; -Force leaves such files as they are and undoes the rest."));
            }

            return;
        }

        if (conflicts.Count > 0)
        {
            WriteWarning($"Leaving {conflicts.Count} file(s) that changed since the turns as they are: {string.Join(", ", conflicts.Select(f => f.Path))}");
        }

        // Every file and the history are asked about, so -WhatIf lists them all; one refusal leaves everything as it is.
        var approved = true;
        foreach (var file in plan.Files.Where(f => f.Status != CodexUndoFileStatus.Conflict && f.Action != "Unchanged"))
        {
            approved &= ShouldProcess(file.Path, $"{file.Action} as before turn(s) {string.Join(", ", file.TurnIds)}");
        }

        approved &= ShouldProcess($"conversation {conversation.Id}",
            $"Remove {plan.TurnIds.Count} turn(s) from the history: {string.Join(", ", plan.TurnIds)}");
        if (!approved)
        {
            return;
        }

        try
        {
            Await(CodexUndo.ApplyAsync(conversation, plan, conversation.Client.Location.Path, Force, CancellationToken));
        }
        catch (CodexUndoException ex)
        {
            WriteError(ToRecord(ex));
            return;
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, conversation));
            return;
        }

        WriteVerbose($"Undid {plan.TurnIds.Count} turn(s) of conversation {conversation.Id}: {string.Join(", ", plan.TurnIds)}.");
        foreach (var file in plan.Files.Where(f => f.Action != "Unchanged"))
        {
            WriteObject(file);
        }
    }

    private static ErrorRecord ToRecord(CodexUndoException ex) => new(ex, ex.ErrorId, ex.ErrorId switch
    {
        "CodexTurnNotFound" or "CodexUndoDiffUnavailable" => ErrorCategory.ObjectNotFound,
        "CodexUndoHistoryUnavailable" => ErrorCategory.ReadError,
        "CodexUndoConflict" => ErrorCategory.InvalidData,
        "CodexUndoFailed" => ErrorCategory.InvalidResult,
        _ => ErrorCategory.InvalidOperation,
    }, ex.Target);
}
