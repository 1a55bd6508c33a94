using System.Management.Automation;
using CodexPS.Engine.Protocol;

namespace CodexPS;

/// <summary>
/// What a person at an interactive host sees while a turn runs: a progress bar naming what the agent does now
/// (thinking, running a command, editing a file, waiting for approval) and the answer's text as it streams, written
/// to the Information stream with the PSHOST tag (shown like Write-Host, never in the output; 6>$null hides it).
/// Created only for an interactive host; a non-interactive one gets none of this.
/// </summary>
internal sealed class TurnFeedback
{
    /// <summary>The tags of the streamed answer text on the Information stream.</summary>
    public static readonly string[] TextTags = { "PSHOST", "CodexPS", "CodexPS.AgentMessage" };

    private const int StatusWidth = 100;
    private readonly Cmdlet _cmdlet;
    private readonly ProgressRecord _progress;
    private readonly HashSet<string> _streamedItems = new(StringComparer.Ordinal);
    private string? _status;
    private string? _beforeApproval;
    private bool _progressShown;
    private bool _lineOpen;
    private readonly bool _streamText;

    // What the bar said before a hook ran, to say it again once the hook is done.
    private string? _beforeHook;

    /// <summary>Feedback for one turn, written through the given command.</summary>
    /// <param name="cmdlet">The command running the turn; its progress and Information streams are written to.</param>
    /// <param name="conversationId">The turn's conversation, which picks the progress bar's activity id.</param>
    /// <param name="streamText">False when the command writes the deltas itself (-IncludeDelta): the text is then
    /// the caller's to show, and only the progress bar is written.</param>
    public TurnFeedback(Cmdlet cmdlet, string conversationId, bool streamText)
    {
        _cmdlet = cmdlet;
        _streamText = streamText;
        // One activity id per conversation, so turns of parallel conversations get their own bars.
        _progress = new ProgressRecord(0x0C0DE + (conversationId.GetHashCode() & 0xFFFF), "Codex", "Starting the turn");
    }

    /// <summary>Called for every event before it is answered or written; an approval shows before it is asked.</summary>
    public void OnEvent(CodexEvent evt)
    {
        switch (evt)
        {
            case DeltaEvent { Kind: CodexEventKind.AgentMessageDelta } delta:
                if (!_streamText)
                {
                    SetStatus("Writing the answer");
                    break;
                }

                // The text itself shows what the agent does; the bar comes back when it does something else.
                _status = "Writing the answer";
                if (delta.ItemId is { } id)
                {
                    _streamedItems.Add(id);
                }

                WriteText(delta.Delta);
                break;
            case DeltaEvent { Kind: CodexEventKind.ReasoningDelta }:
            case TurnStartedEvent:
                SetStatus("Thinking");
                break;
            case ApprovalRequestedEvent { Request.Kind: CodexApprovalKind.ToolCall }:
                // The model calls a tool of the conversation's own: no approval, the item names the call.
                break;
            case ApprovalRequestedEvent approval:
                EndLine();
                _beforeApproval ??= _status;
                SetStatus($"Waiting for approval: {approval.Request.Kind} {approval.Request}");
                break;
            case NotificationEvent { Kind: CodexEventKind.ApprovalResolved }:
                // Answered: back to what the agent was doing (the command it asked for now runs).
                SetStatus(_beforeApproval ?? "Thinking");
                _beforeApproval = null;
                break;
            case ItemEvent { Kind: CodexEventKind.ItemStarted, Item: var item }:
                SetStatus(item switch
                {
                    CommandExecutionItem c => $"Running: {c.Command}",
                    FileChangeItem f => $"Editing: {f}",
                    McpToolCallItem t => $"Calling tool {t.Server}.{t.Tool}",
                    DynamicToolCallItem d => $"Calling: {d}",
                    AgentMessageItem => "Writing the answer",
                    ReasoningItem => "Thinking",
                    _ => _status ?? "Thinking",
                });
                break;
            case ItemEvent { Kind: CodexEventKind.ItemCompleted, Item: AgentMessageItem message }:
                // A message that came whole (no deltas) is shown whole; a streamed one just ends its line.
                if (message.Id is null || !_streamedItems.Contains(message.Id))
                {
                    WriteText(message.Text);
                }

                EndLine();
                SetStatus("Thinking");
                break;
            case ItemEvent { Kind: CodexEventKind.ItemCompleted }:
                SetStatus("Thinking");
                break;
            case HookEvent { Kind: CodexEventKind.HookStarted } hook:
                // A synchronous hook holds the turn up; say which one runs.
                _beforeHook ??= _status;
                SetStatus($"Running hook: {hook.Run.StatusMessage ?? hook.Run.EventName}");
                break;
            case HookEvent { Kind: CodexEventKind.HookCompleted }:
                SetStatus(_beforeHook ?? "Thinking");
                _beforeHook = null;
                break;
            case TurnCompletedEvent:
                Complete();
                break;
        }
    }

    /// <summary>Ends the line of streamed text and clears the progress bar; safe to call more than once.</summary>
    public void Complete()
    {
        EndLine();
        HideProgress();
    }

    private void HideProgress()
    {
        if (_progressShown)
        {
            _progressShown = false;
            _progress.RecordType = ProgressRecordType.Completed;
            _progress.StatusDescription = "Done";
            TryWrite(() => _cmdlet.WriteProgress(_progress));
        }
    }

    private void SetStatus(string status)
    {
        status = DisplayText.Sanitize(status, StatusWidth); // the model's text cannot rewrite the terminal
        if (status == _status && _progressShown)
        {
            return; // progress is written when what the agent does changes, not for every piece of text
        }

        _status = status;
        _progressShown = true;
        _progress.RecordType = ProgressRecordType.Processing;
        _progress.StatusDescription = status;
        TryWrite(() => _cmdlet.WriteProgress(_progress));
    }

    private void WriteText(string text)
    {
        if (!_streamText || text.Length == 0)
        {
            return;
        }

        // No bar stays up while text is written: the console host redraws a shown bar after every write, and to do so
        // asks the terminal where the cursor is and waits for its answer. Per piece of text that is a round trip to
        // the terminal, and a Ctrl+C that flushes the terminal's input loses the answer: the wait never ends.
        HideProgress();

        _lineOpen = !text.EndsWith('\n');
        var message = new HostInformationMessage { Message = DisplayText.Sanitize(text, int.MaxValue, keepLineBreaks: true), NoNewLine = true };
        TryWrite(() => _cmdlet.WriteInformation(message, TextTags));
    }

    private void EndLine()
    {
        if (_lineOpen)
        {
            _lineOpen = false;
            TryWrite(() => _cmdlet.WriteInformation(new HostInformationMessage { Message = string.Empty }, TextTags));
        }
    }

    private static void TryWrite(Action write)
    {
        try
        {
            write();
        }
        catch (Exception ex) when (ex is PSInvalidOperationException or NotImplementedException or NotSupportedException)
        {
            // A host that cannot show progress or text loses only the feedback, never the turn.
        }
    }
}
