using System.Text.Json;
using CodexPS.Engine.Protocol;
using CodexPS.Engine.Rpc;

namespace CodexPS.Engine.Conversations;

/// <summary>Requests the runtime sends to CodexPS: approvals, permissions, the model's questions and MCP elicitations.</summary>
public sealed partial class CodexClient
{
    /// <summary>The kind of request a method carries; null for methods CodexPS does not answer.</summary>
    internal static CodexApprovalKind? ApprovalKindOf(string method) => method switch
    {
        "item/commandExecution/requestApproval" => CodexApprovalKind.CommandExecution,
        "item/fileChange/requestApproval" => CodexApprovalKind.FileChange,
        "item/permissions/requestApproval" => CodexApprovalKind.Permissions,
        "item/tool/requestUserInput" => CodexApprovalKind.UserInput,
        "mcpServer/elicitation/request" => CodexApprovalKind.McpElicitation,
        "item/tool/call" => CodexApprovalKind.ToolCall,
        _ => null,
    };

    async ValueTask IJsonRpcHandler.OnServerRequestAsync(JsonElement id, string method, JsonElement parameters, JsonElement message)
    {
        if (method == "account/chatgptAuthTokens/refresh")
        {
            AnswerTokensRefresh(id, parameters);
            return;
        }

        var turn = FindByThreadId(parameters)?.ActiveTurn;
        var timestamp = Json.UnixMs(message.Long("emittedAtMs")) ?? DateTimeOffset.Now;
        if (ApprovalKindOf(method) is { } kind)
        {
            var rpc = Rpc;
            var changes = kind == CodexApprovalKind.FileChange ? turn?.Pipeline.ChangesFor(parameters.Str("itemId")) : null;
            var request = new CodexApprovalRequest(kind, parameters, changes ?? Array.Empty<CodexFileChange>(),
                reply => rpc.RespondAsync(id, reply, CancellationToken.None));
            try
            {
                if (turn is null)
                {
                    // Nobody could be asked: the runtime (or the MCP server behind it) hears a decline rather than waiting.
                    await request.RespondAsync(CodexApprovalDecision.Decline, "CodexPS (no active turn)").ConfigureAwait(false);
                    AddWarning($"Declined: {kind} request '{ItemEvent.OneLine(request.ToString())}' arrived outside a turn run by CodexPS.");
                    return;
                }

                await turn.Pipeline.OnReaderThreadRequestAsync(method, parameters, timestamp, request).ConfigureAwait(false);
            }
            catch (Exception ex) when (!request.IsAnswered && ex is not OutOfMemoryException)
            {
                // Whatever went wrong here, the runtime must not wait for an answer that will never come.
                await request.RespondAsync(CodexApprovalDecision.Decline, "CodexPS (failed to route the request)").ConfigureAwait(false);
                throw;
            }

            return;
        }

        // Requests CodexPS cannot answer are refused explicitly, so the runtime never waits for ever.
        await Rpc.RespondErrorAsync(id, -32601, $"CodexPS does not handle '{method}'.", CancellationToken.None).ConfigureAwait(false);
        AddWarning($"The runtime asked '{method}', which CodexPS does not handle; it was refused.");
        if (turn is not null)
        {
            turn.Pipeline.OnReaderThreadNotification(method, parameters, timestamp);
        }
    }

    /// <summary>
    /// New ChatGPT tokens for the runtime (its tokens were refused): asked of <see cref="AuthTokensRefreshHandler"/>, off
    /// the reader (a handler may take its time; the runtime waits 10 s). It belongs to no thread or turn, so nothing is
    /// recorded; nobody to ask is a decline, sent as an error reply, and a warning. The warning is added before the
    /// decline is sent: the runtime fails the turn on the decline, and the turn's own warnings must already say why.
    /// </summary>
    private void AnswerTokensRefresh(JsonElement id, JsonElement parameters)
    {
        var rpc = Rpc;
        var request = new CodexApprovalRequest(CodexApprovalKind.ChatgptAuthTokensRefresh, parameters.Clone(), Array.Empty<CodexFileChange>(),
            reply => rpc.RespondAsync(id, reply, CancellationToken.None),
            () => rpc.RespondErrorAsync(id, -32000, "CodexPS has no new ChatGPT tokens (declined).", CancellationToken.None));
        var handler = AuthTokensRefreshHandler is { } inner ? new WarnBeforeTokensDecline(inner, AddWarning) : null;
        _ = Task.Run(async () =>
        {
            using var timeout = new CancellationTokenSource(TokensRefreshTimeout);
            try
            {
                if (handler is null)
                {
                    AddWarning($"The runtime asked for {request}; no refresh script was given (Connect-CodexAccount -RefreshScript), so it was declined.");
                }

                var answer = await CodexServerRequestHandlers.AnswerAsync(request, handler, timeout.Token).ConfigureAwait(false);
                if (answer?.Problem is { } problem && handler?.Warned != true)
                {
                    // Tokens that did not fit the request: found while answering, after the handler.
                    AddWarning($"New ChatGPT tokens were declined: {problem.Message}");
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (handler?.Warned != true)
                {
                    AddWarning($"New ChatGPT tokens were declined: {ex.Message}");
                }

                if (!request.IsAnswered)
                {
                    await request.RespondAsync(CodexApprovalDecision.Decline, "CodexPS (the refresh failed)").ConfigureAwait(false);
                }
            }
        });
    }

    /// <summary>Says why new tokens are declined as soon as the refresh handler has decided, before the answer is sent.</summary>
    private sealed class WarnBeforeTokensDecline : ICodexServerRequestHandler
    {
        private readonly ICodexServerRequestHandler _inner;
        private readonly Action<string> _warn;

        public WarnBeforeTokensDecline(ICodexServerRequestHandler inner, Action<string> warn)
        {
            _inner = inner;
            _warn = warn;
        }

        public bool Warned { get; private set; }

        public async ValueTask<CodexServerRequestAnswer?> HandleAsync(CodexApprovalRequest request, CancellationToken cancellationToken)
        {
            CodexServerRequestAnswer? answer;
            try
            {
                answer = await _inner.HandleAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Warn($"New ChatGPT tokens were declined: {ex.Message}");
                throw;
            }

            if (answer?.Problem is { } problem)
            {
                Warn($"New ChatGPT tokens were declined: {problem.Message}");
            }
            else if (!request.IsAnswered && (answer is null || answer.Content is null
                || answer.Decision is not (CodexApprovalDecision.Accept or CodexApprovalDecision.AcceptForSession)))
            {
                Warn($"The runtime asked for {request}; the refresh script gave none, so it was declined.");
            }

            return answer;
        }

        private void Warn(string message)
        {
            Warned = true;
            _warn(message);
        }
    }
}
