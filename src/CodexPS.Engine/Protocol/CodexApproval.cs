using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodexPS.Engine.Protocol;

public enum CodexApprovalKind
{
    CommandExecution,
    FileChange,
}

public enum CodexApprovalDecision
{
    Accept,
    AcceptForSession,
    Decline,
    Cancel,
}

/// <summary>
/// The runtime asks before it runs a command or applies a patch. Exactly one answer is sent; an
/// unanswered request is declined (consent is never assumed).
/// </summary>
public sealed class CodexApprovalRequest
{
    private readonly Func<CodexApprovalDecision, Task> _send;
    private int _answered;

    internal CodexApprovalRequest(CodexApprovalKind kind, JsonElement parameters, IReadOnlyList<CodexFileChange> changes, Func<CodexApprovalDecision, Task> send)
    {
        Kind = kind;
        _send = send;
        ConversationId = parameters.Str("threadId");
        TurnId = parameters.Str("turnId");
        ItemId = parameters.Str("itemId");
        Command = parameters.Str("command");
        Cwd = parameters.Str("cwd");
        Reason = parameters.Str("reason");
        GrantRoot = parameters.Str("grantRoot");
        Changes = changes;
    }

    public CodexApprovalKind Kind { get; }

    public string? ConversationId { get; }

    public string? TurnId { get; }

    public string? ItemId { get; }

    /// <summary>The command line to run (CommandExecution).</summary>
    public string? Command { get; }

    public string? Cwd { get; }

    /// <summary>Why the model asks, when it says.</summary>
    public string? Reason { get; }

    public string? GrantRoot { get; }

    /// <summary>The files the patch touches with their diffs (FileChange).</summary>
    public IReadOnlyList<CodexFileChange> Changes { get; }

    /// <summary>The answer sent, null while none has been.</summary>
    public CodexApprovalDecision? Decision { get; private set; }

    /// <summary>Who decided: the handler, the user, a policy or CodexPS's decline default.</summary>
    public string? DecidedBy { get; private set; }

    public bool IsAnswered => Volatile.Read(ref _answered) != 0;

    /// <summary>Sends the decision; only the first call counts.</summary>
    public async Task<bool> RespondAsync(CodexApprovalDecision decision, string decidedBy)
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            return false;
        }

        Decision = decision;
        DecidedBy = decidedBy;
        await _send(decision).ConfigureAwait(false);
        return true;
    }

    public override string ToString() => Kind == CodexApprovalKind.CommandExecution
        ? $"run '{Command}' in {Cwd}"
        : "apply changes to " + string.Join(", ", Changes.Select(c => c.Path));

    internal static JsonObject Answer(CodexApprovalDecision decision) => new()
    {
        ["decision"] = decision switch
        {
            CodexApprovalDecision.Accept => "accept",
            CodexApprovalDecision.AcceptForSession => "acceptForSession",
            CodexApprovalDecision.Cancel => "cancel",
            _ => "decline",
        },
    };
}

public sealed class ApprovalRequestedEvent : CodexEvent
{
    internal ApprovalRequestedEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters, CodexApprovalRequest request)
        : base(CodexEventKind.ApprovalRequested, method, conversationId, turnId, timestamp, parameters)
    {
        Request = request;
    }

    public CodexApprovalRequest Request { get; }

    public CodexApprovalDecision? Decision => Request.Decision;

    public override string Summary => $"approval: {ItemEvent.OneLine(Request.ToString())}" + (Request.Decision is { } d ? $" → {d}" : string.Empty);
}
