using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Undo;

/// <summary>
/// Undoes turns of a conversation: puts back the files they changed (reverse patches through the runtime's own
/// matcher, newest turn first) and then cuts the history before the first of them (`thread/revert`).
/// </summary>
public static class CodexUndo
{
    /// <summary>
    /// Plans undoing <paramref name="turnId"/> (default: the last turn) and every later turn. Each turn's changes
    /// come from the turn diff CodexPS saw, else from its fileChange items as the thread gives them back.
    /// </summary>
    public static async Task<CodexUndoPlan> PlanAsync(CodexConversation conversation, string? turnId, CancellationToken cancellationToken)
    {
        if (conversation.ActiveTurn is { } running)
        {
            throw new CodexException("CodexTurnInProgress", $"Conversation {conversation.Id} is running turn {running.Id}; undo when the turn has ended.");
        }

        var turns = new List<CodexTurnInfo>();
        try
        {
            string? cursor = null;
            do
            {
                var page = await conversation.Client.ListTurnsPageAsync(conversation.Id, cursor, cancellationToken).ConfigureAwait(false);
                turns.AddRange(page.Items);
                cursor = page.NextCursor;
            }
            while (cursor is not null);
        }
        catch (CodexRpcException ex)
        {
            throw new CodexUndoException("CodexUndoHistoryUnavailable",
                $"The runtime cannot list the turns of conversation {conversation.Id}, so CodexPS cannot tell which turns an undo would remove: {ex.Message}", conversation.Id, ex);
        }

        if (turns.Count == 0)
        {
            throw new CodexUndoException("CodexTurnNotFound", $"Conversation {conversation.Id} has no turns to undo.", turnId ?? conversation.Id);
        }

        var first = turnId is null ? turns.Count - 1 : turns.FindIndex(t => t.Id == turnId);
        if (first < 0)
        {
            throw new CodexUndoException("CodexTurnNotFound", $"Conversation {conversation.Id} has no turn '{turnId}'.", turnId);
        }

        var workingDirectory = conversation.WorkingDirectory ?? Directory.GetCurrentDirectory();
        var diffBase = CodexUndoStepReader.DiffBase(workingDirectory);
        var steps = new List<CodexUndoStep>();
        var unit = 0;
        for (var i = turns.Count - 1; i >= first; i--)
        {
            var turn = turns[i];
            if (conversation.GetDiff(turn.Id) is { } diff)
            {
                steps.AddRange(CodexUndoStepReader.FromTurnDiff(diff, diffBase, unit++));
                continue;
            }

            if (!HasFullItems(turn))
            {
                throw new CodexUndoException("CodexUndoDiffUnavailable",
                    $"CodexPS did not see the diff of turn {turn.Id} of conversation {conversation.Id}, and the runtime does not give back its items, so the files it changed cannot be known. Nothing was changed.", turn.Id);
            }

            foreach (var item in turn.Items.OfType<FileChangeItem>().Where(f => f.Status == "Completed").Reverse())
            {
                steps.AddRange(CodexUndoStepReader.FromFileChange(turn.Id, item, unit++));
            }
        }

        return CodexUndoPlan.Build(conversation.Id, turns.Skip(first).Select(t => t.Id).ToArray(), steps);
    }

    /// <summary>
    /// Carries a plan out: the files first (all or none), then `thread/revert`; when the runtime refuses the revert,
    /// the files are put back, so the conversation and the disk never disagree. Files in conflict must have been
    /// accepted as skipped by the caller (-Force); otherwise this throws CodexUndoConflict and changes nothing.
    /// </summary>
    public static async Task ApplyAsync(CodexConversation conversation, CodexUndoPlan plan, string codexPath, bool skipConflicts, CancellationToken cancellationToken)
    {
        if (plan.Conflicts.Count > 0 && !skipConflicts)
        {
            throw new CodexUndoException("CodexUndoConflict",
                $"Files changed since the turns: {string.Join(", ", plan.Conflicts.Select(f => f.Path))}. Nothing was changed.", plan.Conflicts[0].Path);
        }

        if (conversation.ActiveTurn is { } running)
        {
            throw new CodexException("CodexTurnInProgress", $"Conversation {conversation.Id} is running turn {running.Id}; undo when the turn has ended.");
        }

        var workingDirectory = conversation.WorkingDirectory is { } cwd && Directory.Exists(cwd) ? cwd : Path.GetTempPath();
        var backup = await plan.ApplyAsync(codexPath, workingDirectory, cancellationToken).ConfigureAwait(false);
        try
        {
            var parameters = new JsonObject { ["threadId"] = conversation.Id, ["beforeTurnId"] = plan.BeforeTurnId };
            await conversation.Client.RequestAsync("thread/revert", parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            backup.Restore();
            foreach (var file in plan.Files.Where(f => f.Status == CodexUndoFileStatus.Restored))
            {
                file.Status = CodexUndoFileStatus.Planned;
            }

            if (ex is CodexRpcException rpc)
            {
                // codex 0.171 answers -32600 "thread/revert only supports paginated threads" for a legacy-history thread.
                var id = rpc.Message.Contains("paginated", StringComparison.Ordinal) ? "CodexUndoNotSupported" : "CodexUndoRevertFailed";
                throw new CodexUndoException(id, $"{rpc.Message}. The files were put back as they were before the undo.", conversation.Id, rpc);
            }

            throw;
        }

        conversation.ForgetDiffs(plan.TurnIds);
    }

    /// <summary>thread/turns/list with itemsView "full" gives each turn's items; a turn given without them cannot be read back.</summary>
    private static bool HasFullItems(CodexTurnInfo turn)
    {
        using var raw = JsonDocument.Parse(turn.Raw);
        return raw.RootElement.Str("itemsView") is null or "full";
    }
}
