using System.Text.Json;

namespace CodexPS.Engine.Protocol;

public sealed class ApprovalRequestedEvent : CodexEvent
{
    internal ApprovalRequestedEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters, CodexApprovalRequest request)
        : base(CodexEventKind.ApprovalRequested, method, conversationId, turnId, timestamp, parameters)
    {
        Request = request;
    }

    public CodexApprovalRequest Request { get; }

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
        _ => "approval: ",
    };
}
