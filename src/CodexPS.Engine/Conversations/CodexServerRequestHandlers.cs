using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>Builds and runs server-request handlers: the one place a request's answer is decided and sent.</summary>
public static class CodexServerRequestHandlers
{
    /// <summary>Who declined a request that no handler decided.</summary>
    public const string NobodyDecided = "CodexPS (no handler, no consent)";

    /// <summary>A handler from a delegate that returns a decision (the engine's simplest form); null for null.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(handler))]
    public static ICodexServerRequestHandler? FromDelegate(CodexApprovalHandler? handler, string decidedBy = "handler")
    {
        return handler is null ? null : new DelegateHandler(handler, decidedBy);
    }

    /// <summary>
    /// The delegate behind a handler that <see cref="FromDelegate"/> made; null for any other handler. The
    /// ApprovalHandler shorthands of the options and the conversation read it back through this.
    /// </summary>
    public static CodexApprovalHandler? DelegateOf(ICodexServerRequestHandler? handler) => (handler as DelegateHandler)?.Handler;

    /// <summary>Asks each handler in turn until one decides; nulls are skipped. Null when none is given.</summary>
    public static ICodexServerRequestHandler? Chain(params ICodexServerRequestHandler?[] handlers)
    {
        var present = handlers.Where(h => h is not null).Cast<ICodexServerRequestHandler>().ToArray();
        return present.Length switch
        {
            0 => null,
            1 => present[0],
            _ => new ChainHandler(present),
        };
    }

    /// <summary>
    /// Decides <paramref name="request"/> with <paramref name="handler"/> and sends the answer; declines when
    /// nobody decides, when the content does not fit, or when the handler throws a CodexException. Returns the
    /// answer sent (with any problem to report), or null when the request had already been answered.
    /// </summary>
    public static async Task<CodexServerRequestAnswer?> AnswerAsync(CodexApprovalRequest request, ICodexServerRequestHandler? handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.IsAnswered)
        {
            return null;
        }

        CodexServerRequestAnswer answer;
        try
        {
            answer = (handler is null ? null : await handler.HandleAsync(request, cancellationToken).ConfigureAwait(false))
                ?? CodexServerRequestAnswer.Decline(NobodyDecided);
        }
        catch (CodexException ex)
        {
            answer = CodexServerRequestAnswer.Decline("handler") with { Problem = ex, ProblemTarget = request };
        }

        if (request.IsAnswered)
        {
            // The handler answered the request itself (RespondAsync / RespondWithContentAsync): that answer stands.
            return answer;
        }

        if (answer.Content is { } content)
        {
            try
            {
                await request.RespondWithContentAsync(content, answer.DecidedBy).ConfigureAwait(false);
                return answer;
            }
            catch (CodexException ex) when (ex.ErrorId == CodexApprovalContent.InvalidAnswerId)
            {
                // Nothing was sent yet: decline instead, and say why.
                answer = answer with
                {
                    Decision = CodexApprovalDecision.Decline,
                    Content = null,
                    Problem = new CodexException(answer.InvalidContentErrorId, $"{ex.Message} The request was declined."),
                    ProblemTarget = request,
                };
            }
        }

        await request.RespondAsync(answer.Decision, answer.DecidedBy).ConfigureAwait(false);
        return answer;
    }

    private sealed class DelegateHandler : ICodexServerRequestHandler
    {
        private readonly CodexApprovalHandler _handler;
        private readonly string _decidedBy;

        public CodexApprovalHandler Handler => _handler;

        public DelegateHandler(CodexApprovalHandler handler, string decidedBy)
        {
            _handler = handler;
            _decidedBy = decidedBy;
        }

        public async ValueTask<CodexServerRequestAnswer?> HandleAsync(CodexApprovalRequest request, CancellationToken cancellationToken)
        {
            var decision = await _handler(request, cancellationToken).ConfigureAwait(false);
            return new CodexServerRequestAnswer(decision, _decidedBy);
        }
    }

    private sealed class ChainHandler : ICodexServerRequestHandler
    {
        private readonly ICodexServerRequestHandler[] _handlers;

        public ChainHandler(ICodexServerRequestHandler[] handlers)
        {
            _handlers = handlers;
        }

        public async ValueTask<CodexServerRequestAnswer?> HandleAsync(CodexApprovalRequest request, CancellationToken cancellationToken)
        {
            foreach (var handler in _handlers)
            {
                if (await handler.HandleAsync(request, cancellationToken).ConfigureAwait(false) is { } answer)
                {
                    return answer;
                }
            }

            return null;
        }
    }
}
