using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Hosting;

/// <summary>
/// A fan-out item's turn is read on an engine task, but its requests may only be decided on the pipeline thread
/// (-WhatIf, script-block handlers, host prompts, the conversation's own tools): this hands each request to the
/// pipeline thread and waits until it has been answered there. It decides nothing itself: when the pipeline thread
/// did not answer (the command is stopping), the engine declines, so nothing is ever granted without consent.
/// </summary>
internal sealed class PipelineThreadRequestHandler : ICodexServerRequestHandler
{
    private readonly Action<CodexApprovalRequest, TaskCompletionSource> _post;

    /// <param name="post">Queues the request for the pipeline thread, which completes the source once it has answered.</param>
    public PipelineThreadRequestHandler(Action<CodexApprovalRequest, TaskCompletionSource> post)
    {
        _post = post;
    }

    public async ValueTask<CodexServerRequestAnswer?> HandleAsync(CodexApprovalRequest request, CancellationToken cancellationToken)
    {
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _post(request, answered);
        await answered.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

        // Answered on the pipeline thread (the request is marked answered, so that answer stands), or not at all:
        // then no answer here means the engine declines.
        return null;
    }
}
