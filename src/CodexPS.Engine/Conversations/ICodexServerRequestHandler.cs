using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>
/// The one way CodexPS answers what the runtime asks a turn's consumer: approvals, permissions, the model's
/// questions, MCP elicitations (and, as further kinds of request, the tool calls a later version adds). A C#
/// delegate, a PowerShell script block, the interactive prompts and -WhatIf are each an implementation; a turn asks
/// its own handler, else its conversation's, and a request nobody decides is declined.
/// </summary>
/// <remarks>Called on the consumer's side of the turn's events (the thread that reads them), never on the runtime's reader.</remarks>
public interface ICodexServerRequestHandler
{
    /// <summary>
    /// Decides one request. Null leaves it to the next handler (in the end: decline); an answer is sent as it
    /// is, its content checked first (content that does not fit the request is declined instead).
    /// </summary>
    ValueTask<CodexServerRequestAnswer?> HandleAsync(CodexApprovalRequest request, CancellationToken cancellationToken);
}
