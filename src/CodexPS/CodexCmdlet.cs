using System.Management.Automation;
using System.Management.Automation.Host;
using CodexPS.Engine;
using CodexPS.Engine.Conversations;

namespace CodexPS;

/// <summary>
/// Shared plumbing: one cancellation token that Ctrl+C (StopProcessing) cancels and that every wait takes,
/// runtime warnings surfaced on the pipeline thread, and engine exceptions turned into ErrorRecords.
/// </summary>
public abstract class CodexCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private bool _disposed;

    protected CancellationToken CancellationToken => _cancellation.Token;

    protected override void StopProcessing()
    {
        _cancellation.Cancel();
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _cancellation.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Blocks the pipeline thread on engine work; Ctrl+C ends the wait.</summary>
    protected T Await<T>(Task<T> task)
    {
        return task.WaitAsync(CancellationToken).GetAwaiter().GetResult();
    }

    protected void Await(Task task)
    {
        task.WaitAsync(CancellationToken).GetAwaiter().GetResult();
    }

    protected CodexClient GetClient()
    {
        var client = ModuleState.GetOrStart(CancellationToken);
        WriteClientWarnings(client);
        return client;
    }

    protected void WriteClientWarnings(CodexClient? client)
    {
        if (client is { HasWarnings: true })
        {
            foreach (var warning in client.DrainWarnings())
            {
                WriteWarning(warning);
            }
        }
    }

    /// <summary>An ErrorRecord for an engine failure: its ErrorId, a fitting category and the item it concerns.</summary>
    protected static ErrorRecord ToErrorRecord(Exception exception, object? target)
    {
        var inner = exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerException! : exception;
        return inner switch
        {
            CodexException codex => new ErrorRecord(codex, codex.ErrorId, Category(codex.ErrorId), target),
            ArgumentException argument => new ErrorRecord(argument, "CodexInvalidArgument", ErrorCategory.InvalidArgument, target),
            OperationCanceledException canceled => new ErrorRecord(canceled, "CodexOperationStopped", ErrorCategory.OperationStopped, target),
            _ => new ErrorRecord(inner, "CodexUnexpectedError", ErrorCategory.NotSpecified, target),
        };
    }

    protected static ErrorRecord NewError(string errorId, ErrorCategory category, object? target, string message)
    {
        return new ErrorRecord(new CodexException(errorId, message), errorId, category, target);
    }

    internal static ErrorCategory Category(string errorId) => errorId switch
    {
        "CodexRuntimeNotFound" => ErrorCategory.ObjectNotFound,
        "CodexRuntimeExited" => ErrorCategory.ConnectionError,
        "CodexRuntimeStopped" => ErrorCategory.ResourceUnavailable,
        "CodexRuntimeUnresponsive" => ErrorCategory.OperationTimeout,
        "CodexRpcError" or "CodexProtocolError" => ErrorCategory.ProtocolError,
        "CodexTurnInProgress" => ErrorCategory.ResourceBusy,
        "CodexConversationNotFound" => ErrorCategory.ObjectNotFound,
        "CodexUsageLimitExceeded" or "CodexRateLimitExceeded" or "CodexSessionBudgetExceeded" => ErrorCategory.QuotaExceeded,
        "CodexContextWindowExceeded" => ErrorCategory.LimitsExceeded,
        "CodexUnauthorized" => ErrorCategory.AuthenticationError,
        "CodexHttpConnectionFailed" or "CodexResponseStreamConnectionFailed" or "CodexResponseStreamDisconnected"
            or "CodexInternalServerError" or "CodexServerOverloaded" or "CodexResponseTooManyFailedAttempts" => ErrorCategory.ConnectionError,
        "CodexBadRequest" or "CodexModelNotFound" => ErrorCategory.InvalidArgument,
        "CodexSandboxError" => ErrorCategory.SecurityError,
        _ => ErrorCategory.NotSpecified,
    };

    /// <summary>
    /// Whether a person can answer questions here: not in -NonInteractive pwsh, not with redirected input,
    /// not in a runspace without a UI.
    /// </summary>
    protected bool HostIsInteractive()
    {
        var name = Host?.Name ?? string.Empty;
        if (name is "Default Host" or "ServerRemoteHost" || Host?.UI is null)
        {
            return false;
        }

        if (!Environment.UserInteractive || (name == "ConsoleHost" && Console.IsInputRedirected))
        {
            return false;
        }

        return !Environment.GetCommandLineArgs().Any(a =>
            a.StartsWith("-noni", StringComparison.OrdinalIgnoreCase) || a.Equals("-NonInteractive", StringComparison.OrdinalIgnoreCase));
    }

    protected PSHost? CurrentHost => Host;
}
