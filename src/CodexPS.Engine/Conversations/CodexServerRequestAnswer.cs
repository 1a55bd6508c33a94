using System.Text.Json.Nodes;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>What a <see cref="ICodexServerRequestHandler"/> decided, and who decided it.</summary>
/// <param name="Decision">Accept, AcceptForSession, Decline or Cancel.</param>
/// <param name="DecidedBy">Who decided (the handler, the user, WhatIf, ...); shown as the request's DecidedBy.</param>
public sealed record CodexServerRequestAnswer(CodexApprovalDecision Decision, string DecidedBy)
{
    /// <summary>Answers by question id (UserInput) or form values by field name (McpElicitation); null: none.</summary>
    public JsonObject? Content { get; init; }

    /// <summary>
    /// Something the consumer should report as an error (the handler failed, or gave an answer it cannot take),
    /// beside the decision taken instead; null when all went well.
    /// </summary>
    public CodexException? Problem { get; init; }

    /// <summary>What the reported problem is about (the request, or what the handler returned).</summary>
    public object? ProblemTarget { get; init; }

    /// <summary>Something the consumer should say as a warning (why nobody was asked); null when there is nothing.</summary>
    public string? Warning { get; init; }

    /// <summary>The error id reported when <see cref="Content"/> does not fit the request (it is then declined).</summary>
    public string InvalidContentErrorId { get; init; } = "CodexApprovalAnswerInvalid";

    /// <summary>Declines, saying who did.</summary>
    public static CodexServerRequestAnswer Decline(string decidedBy) => new(CodexApprovalDecision.Decline, decidedBy);
}
