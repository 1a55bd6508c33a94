using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>The runtime is waiting for an answer before it acts; the turn goes on once Request is answered.</summary>
public sealed class ApprovalRequestedEvent : CodexEvent
{
    internal ApprovalRequestedEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters, CodexApprovalRequest request)
        : base(CodexEventKind.ApprovalRequested, method, conversationId, turnId, timestamp, parameters)
    {
        Request = request;
    }

    /// <summary>The question, with the means to answer it exactly once.</summary>
    public CodexApprovalRequest Request { get; }

    /// <summary>The answer given so far; null while the request waits.</summary>
    public CodexApprovalDecision? Decision => Request.Decision;

    /// <summary>The request itself (what is answered, and what a prompt shows) stays the same object.</summary>
    internal override CodexEvent Rebuild(JsonElement parameters) => new ApprovalRequestedEvent(Method, ConversationId, TurnId, Timestamp, parameters, Request);

    /// <inheritdoc/>
    public override string Summary => Label(Request.Kind) + ItemEvent.OneLine(Request.ToString()) + (Request.Decision is { } d ? $" → {d}" : string.Empty);

    private static string Label(CodexApprovalKind kind) => kind switch
    {
        CodexApprovalKind.Permissions => "permissions: ",
        CodexApprovalKind.UserInput => "question: ",
        CodexApprovalKind.McpElicitation => "elicitation: ",
        CodexApprovalKind.ToolCall => "tool: ",
        _ => "approval: ",
    };
}
