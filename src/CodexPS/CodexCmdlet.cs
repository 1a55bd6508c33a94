using System.Management.Automation;
using System.Management.Automation.Host;
using CodexPS.Engine;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Mock;

namespace CodexPS;

/// <summary>
/// Shared plumbing: one cancellation token that Ctrl+C (StopProcessing) cancels and that every wait takes,
/// runtime warnings surfaced on the pipeline thread, and engine exceptions turned into ErrorRecords.
/// </summary>
public abstract class CodexCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private bool _disposed;
    private CodexPS.Engine.Rpc.CodexProtocolLog? _protocolLog;
    private IDisposable? _protocolListener;
    private bool? _wantsVerbose;

    /// <summary>
    /// The engine has no PowerShell dependency; it learns here to unwrap PSObjects in hashtables users pass. Done on the
    /// first command rather than at import, so Import-Module runs no engine code.
    /// </summary>
    static CodexCmdlet()
    {
        MockResponse.Unwrap = v => v is PSObject pso ? pso.BaseObject : v;
        CodexPS.Engine.Runtime.CodexConfigOverrides.Unwrap = MockResponse.Unwrap;
        CodexPS.Engine.Pricing.CodexPricing.Unwrap = MockResponse.Unwrap;
        CodexTurnResult.ConvertOutput = PowerShellJson.ToPowerShell;
    }

    /// <summary>Cancelled when the command is stopped (Ctrl+C); the engine calls this command makes take it.</summary>
    protected CancellationToken CancellationToken => _cancellation.Token;

    /// <inheritdoc/>
    protected override void StopProcessing()
    {
        _cancellation.Cancel();
    }

    /// <summary>Releases the command's cancellation source and its protocol listener.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _cancellation.Dispose();
            _protocolListener?.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Blocks the pipeline thread on engine work; Ctrl+C ends the wait.</summary>
    protected T Await<T>(Task<T> task)
    {
        try
        {
            return PipelineWait.Wait(task, CancellationToken);
        }
        finally
        {
            WriteProtocolLines();
        }
    }

    /// <summary>Blocks the pipeline thread on engine work; Ctrl+C ends the wait.</summary>
    protected void Await(Task task)
    {
        try
        {
            PipelineWait.Wait(task, CancellationToken);
        }
        finally
        {
            WriteProtocolLines();
        }
    }

    /// <summary>The named runtime this command uses (a -Runtime parameter); null: the default one.</summary>
    protected virtual string? RuntimeName => null;

    /// <summary>Whether this command needs the runtime's experimental API (a default runtime it starts is started with it).</summary>
    protected virtual bool NeedsExperimentalApi => false;

    /// <summary>The command's runtime, started when needed; its protocol lines and warnings go to this command's streams. Throws a CodexErrorRecordException when it cannot start.</summary>
    protected CodexClient GetClient()
    {
        CodexClient client;
        try
        {
            client = RuntimeRegistry.GetOrStart(RuntimeName, NeedsExperimentalApi, CancellationToken);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            // Uncaught, this ends the command with the engine's ErrorId; a caller's catch re-translates it with its own target.
            throw new CodexErrorRecordException(ToErrorRecord(AsCodexException(ex), RuntimeName ?? RuntimeRegistry.DefaultName));
        }

        return Attach(client);
    }

    /// <summary>
    /// The runtime that holds a conversation: the one it is loaded in, wherever that is (a conversation id is global,
    /// so a pool member is found without -Runtime); otherwise the command's runtime.
    /// </summary>
    protected CodexClient ClientOf(string? conversationId)
    {
        if (conversationId is not null && RuntimeRegistry.FindConversation(conversationId) is { State: not CodexConversationState.Detached, Client: { State: CodexRuntimeState.Running } client })
        {
            return Attach(client);
        }

        return GetClient();
    }

    /// <summary>
    /// Where a new conversation of the command's runtime goes (for a pool: the member placement picks, an affinity key
    /// keeping its member); dispose it once the conversation's turn has started. Throws like <see cref="GetClient"/>.
    /// </summary>
    private protected RuntimePlacement PlaceConversation(string? affinity)
    {
        RuntimePlacement placement;
        try
        {
            placement = RuntimeRegistry.Place(RuntimeName, affinity, NeedsExperimentalApi, CancellationToken);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            throw new CodexErrorRecordException(ToErrorRecord(AsCodexException(ex), RuntimeName ?? RuntimeRegistry.DefaultName));
        }

        Attach(placement.Client);
        return placement;
    }

    private CodexClient Attach(CodexClient client)
    {
        ListenToProtocol(client);
        WriteClientWarnings(client);
        Testing.CodexShouldOperators.RegisterIfPesterLoaded(this);
        return client;
    }

    /// <summary>With -Debug the raw protocol lines (secrets redacted), with -Verbose one line per request, go to those streams.</summary>
    protected void ListenToProtocol(CodexClient client)
    {
        if (_protocolListener is not null)
        {
            return;
        }

        var debug = Wants("Debug", "DebugPreference");
        var verbose = Wants("Verbose", "VerbosePreference");
        if (debug || verbose)
        {
            _protocolLog = client.ProtocolLog;
            _protocolListener = _protocolLog.Listen(debug, verbose);
        }
    }

    /// <summary>Whether this command shows raw protocol lines (-Debug) and request summaries (-Verbose).</summary>
    protected (bool Debug, bool Verbose) ProtocolLinesWanted => (Wants("Debug", "DebugPreference"), Wants("Verbose", "VerbosePreference"));

    /// <summary>
    /// While a turn is read, its own queue carries the protocol lines in order with its events: the command's
    /// listener on the shared queue pauses (after writing what it holds), so no line comes twice.
    /// </summary>
    protected void PauseProtocolListener()
    {
        WriteProtocolLines();
        _protocolListener?.Dispose();
        _protocolListener = null;
    }

    /// <summary>
    /// Verbose messages only when verbose output is asked for: PowerShell turns -Debug into "Inquire" for verbose
    /// messages of compiled cmdlets, which would stop a turn at every message.
    /// </summary>
    protected new void WriteVerbose(string text)
    {
        _wantsVerbose ??= Wants("Verbose", "VerbosePreference");
        if (_wantsVerbose == true)
        {
            base.WriteVerbose(text);
        }
    }

    private bool Wants(string parameter, string preference)
    {
        if (MyInvocation.BoundParameters.TryGetValue(parameter, out var bound))
        {
            return bound is SwitchParameter { IsPresent: true };
        }

        return GetVariableValue(preference) is ActionPreference value && value != ActionPreference.SilentlyContinue && value != ActionPreference.Ignore;
    }

    /// <summary>Writes the protocol lines queued for this command; only on the pipeline thread.</summary>
    protected void WriteProtocolLines()
    {
        if (_protocolLog is not { HasLines: true } log || _protocolListener is null)
        {
            return;
        }

        while (log.TryDequeueVerbose(out var summary))
        {
            WriteVerbose("codex: " + summary);
        }

        while (log.TryDequeueDebug(out var line))
        {
            WriteDebug("codex " + line);
        }
    }

    /// <summary>Writes pending protocol lines, then the client's warnings (with no client, the session metrics' warnings) as warnings.</summary>
    protected void WriteClientWarnings(CodexClient? client)
    {
        WriteProtocolLines();
        if (client is null && SessionMetrics.IfStarted is { HasWarnings: true } metrics)
        {
            foreach (var warning in metrics.DrainWarnings())
            {
                WriteWarning(warning);
            }
        }

        if (client is { HasWarnings: true })
        {
            foreach (var warning in client.DrainWarnings())
            {
                WriteWarning(warning);
            }
        }

        // A cassette's divergences without -Strict: the mock has no client to tell, so the next command says them.
        foreach (var mock in MockRegistry.WithWarnings)
        {
            foreach (var warning in mock.DrainWarnings())
            {
                WriteWarning(warning);
            }
        }
    }

    /// <summary>A failure of the session's runtime plumbing as a CodexException with a stable id.</summary>
    internal static CodexException AsCodexException(Exception exception)
    {
        var inner = exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerException! : exception;
        return inner switch
        {
            CodexException codex => codex,

            // The connection of a runtime that was stopped or replaced meanwhile.
            ObjectDisposedException disposed => new CodexException("CodexRuntimeStopped", "The codex runtime was stopped while the command used it: " + disposed.Message, disposed),
            _ => new CodexException("CodexRuntimeStartFailed", "The codex runtime could not be started: " + inner.Message, inner),
        };
    }

    /// <summary>
    /// An ErrorRecord for a failure that reached a cmdlet: the engine's ErrorId, a fitting category and the item it
    /// concerns. .NET exceptions get stable ids too, so no raw exception type ever becomes an ErrorId.
    /// </summary>
    protected internal static ErrorRecord ToErrorRecord(Exception exception, object? target)
    {
        var inner = exception;
        while (inner is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            inner = aggregate.InnerException!;
        }

        return inner switch
        {
            // GetClient's failure, caught by a command that reports it against its own item.
            CodexErrorRecordException { InnerException: { } cause } => ToErrorRecord(cause, target),
            CodexException codex => new ErrorRecord(codex, codex.ErrorId, Category(codex.ErrorId), target),
            OperationCanceledException canceled => new ErrorRecord(canceled, "CodexOperationStopped", ErrorCategory.OperationStopped, target),

            // A client used after Disconnect-Codex, Connect-Codex or its runtime's exit disposed it.
            ObjectDisposedException disposed => new ErrorRecord(disposed, "CodexRuntimeStopped", ErrorCategory.ResourceUnavailable, target),
            TimeoutException timeout => new ErrorRecord(timeout, "CodexRuntimeUnresponsive", ErrorCategory.OperationTimeout, target),
            UnauthorizedAccessException denied => new ErrorRecord(denied, "CodexAccessDenied", ErrorCategory.PermissionDenied, target),
            IOException io => new ErrorRecord(io, "CodexIOError", ErrorCategory.ResourceUnavailable, target),
            ArgumentException argument => new ErrorRecord(argument, "CodexInvalidArgument", ErrorCategory.InvalidArgument, target),
            InvalidOperationException invalid => new ErrorRecord(invalid, "CodexInvalidOperation", ErrorCategory.InvalidOperation, target),
            _ => new ErrorRecord(inner, "CodexUnexpectedError", ErrorCategory.NotSpecified, target),
        };
    }

    /// <summary>An error record carrying a CodexException with this ErrorId and message.</summary>
    protected static ErrorRecord NewError(string errorId, ErrorCategory category, object? target, string message, Exception? inner = null)
    {
        return new ErrorRecord(new CodexException(errorId, message, inner), errorId, category, target);
    }

    /// <summary>The category of every ErrorId CodexPS writes or the engine raises; unknown ids (new runtime error kinds) are NotSpecified.</summary>
    internal static ErrorCategory Category(string errorId) => errorId switch
    {
        "CodexRuntimeNotFound" or "CodexConversationNotFound" or "CodexPluginNotFound" or "CodexRecordingNotFound"
            or "CodexResumeFileNotFound" or "CodexWorkingDirectoryNotFound" => ErrorCategory.ObjectNotFound,
        "CodexRuntimeExited" or "CodexRuntimeUnavailable" or "CodexRemoteUnreachable" or "CodexDeviceCodeLoginFailed" => ErrorCategory.ConnectionError,
        "CodexRuntimeStopped" or "CodexRuntimeDisconnected" or "CodexConversationNotRecoverable" or "CodexMetricStoreUnavailable" => ErrorCategory.ResourceUnavailable,
        "CodexRuntimeUnresponsive" or "CodexLoginTimedOut" => ErrorCategory.OperationTimeout,
        "CodexRuntimeStartFailed" => ErrorCategory.OpenError,
        "CodexRpcError" or "CodexProtocolError" => ErrorCategory.ProtocolError,
        "CodexTurnInProgress" or "CodexRecordingInProgress" or "CodexMetricStoreLocked" => ErrorCategory.ResourceBusy,
        "CodexNoActiveTurn" or "CodexPluginInitializeFailed" or "CodexPluginCleanupFailed" or "CodexExperimentalApiRequired" => ErrorCategory.InvalidOperation,
        "CodexToolNameDuplicate" or "CodexCommandEmpty" => ErrorCategory.InvalidArgument,
        "CodexUsageLimitExceeded" or "CodexRateLimitExceeded" or "CodexSessionBudgetExceeded" => ErrorCategory.QuotaExceeded,
        "CodexContextWindowExceeded" or "MaxConversationsExceeded" or "CodexBudgetExceeded" => ErrorCategory.LimitsExceeded,
        "CodexPricingInvalid" or "CodexBudgetInvalid" => ErrorCategory.InvalidArgument,
        "CodexPricingMissing" => ErrorCategory.ObjectNotFound,
        "CodexUnauthorized" or "CodexRemoteAuthenticationFailed" or "CodexLoginRejected" or "CodexLoginFailed" => ErrorCategory.AuthenticationError,
        "CodexHttpConnectionFailed" or "CodexResponseStreamConnectionFailed" or "CodexResponseStreamDisconnected"
            or "CodexInternalServerError" or "CodexServerOverloaded" or "CodexResponseTooManyFailedAttempts" => ErrorCategory.ConnectionError,
        "CodexBadRequest" or "CodexModelNotFound" or "CodexApiKeyEmpty" or "CodexRecordingTemplateInvalid" or "CodexReplayNeedsRecording" => ErrorCategory.InvalidArgument,
        "CodexSandboxError" => ErrorCategory.SecurityError,
        "CodexRecordingPathExists" or "CodexPluginAlreadyRegistered" => ErrorCategory.ResourceExists,
        "CodexRecordingFailed" => ErrorCategory.WriteError,
        "CodexResumeFileUnreadable" => ErrorCategory.ReadError,
        "CodexResumeFileEmpty" or "CodexResumeLineTruncated" or "CodexResumeLineInvalid" or "CodexResumeSchemaUnknown"
            or "CodexPatchFailed" or "CodexMetricStoreCorrupt" or "CodexMetricStoreIncompatible" => ErrorCategory.InvalidData,
        "CodexApprovalAnswerInvalid" or "CodexApprovalHandlerInvalidAnswer" or "CodexApprovalHandlerFailed" => ErrorCategory.InvalidResult,
        "CodexCassetteMismatch" => ErrorCategory.InvalidResult,
        "CodexCassetteExhausted" => ErrorCategory.LimitsExceeded,
        "CodexCassetteInvalid" => ErrorCategory.InvalidData,
        "CodexCassetteNotFound" => ErrorCategory.ObjectNotFound,
        _ => ErrorCategory.NotSpecified,
    };

    /// <summary>A path the user gave, as a file-system path; null (with the reason) when PowerShell cannot resolve it, e.g. an unknown drive.</summary>
    protected string? ToFileSystemPath(string given, out Exception? problem)
    {
        try
        {
            problem = null;
            return SessionState.Path.GetUnresolvedProviderPathFromPSPath(given);
        }
        catch (Exception ex) when (ex is SessionStateException or PSNotSupportedException or PSInvalidOperationException or NotSupportedException or ArgumentException)
        {
            problem = ex;
            return null;
        }
    }

    /// <summary>The existing folder a -WorkingDirectory names, or null with a CodexWorkingDirectoryNotFound error whose target is the path given.</summary>
    protected string? ResolveDirectory(string given, out ErrorRecord? error)
    {
        var path = ToFileSystemPath(given, out var problem);
        if (path is not null && Directory.Exists(path))
        {
            error = null;
            return path;
        }

        error = NewError("CodexWorkingDirectoryNotFound", ErrorCategory.ObjectNotFound, given,
            $"The working directory '{path ?? given}' does not exist." + (problem is null ? string.Empty : " " + problem.Message), problem);
        return null;
    }

    /// <summary>
    /// Resolves -AdditionalDirectory folders (PowerShell paths, made absolute); the first that does not exist gives
    /// CodexAdditionalDirectoryNotFound with that folder as the target, and nothing is started.
    /// </summary>
    protected IReadOnlyList<string>? ResolveAdditionalDirectories(string[]? given, out ErrorRecord? error)
    {
        error = null;
        if (given is null || given.Length == 0)
        {
            return Array.Empty<string>();
        }

        var folders = new List<string>(given.Length);
        foreach (var folder in given)
        {
            var path = ToFileSystemPath(folder, out var problem);
            if (path is null || !Directory.Exists(path))
            {
                error = NewError("CodexAdditionalDirectoryNotFound", ErrorCategory.ObjectNotFound, folder,
                    $"The additional directory '{path ?? folder}' does not exist; nothing was started." + (problem is null ? string.Empty : " " + problem.Message), problem);
                return null;
            }

            if (!folders.Contains(path, StringComparer.Ordinal))
            {
                folders.Add(path);
            }
        }

        return folders;
    }

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

    /// <summary>The host the command runs in, for derived commands' interactivity checks.</summary>
    protected PSHost? CurrentHost => Host;
}
