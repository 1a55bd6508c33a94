namespace CodexPS.Engine;

/// <summary>Base of every error the engine raises; ErrorId is stable and becomes the PowerShell ErrorId.</summary>
public class CodexException : Exception
{
    public CodexException(string errorId, string message, Exception? inner = null) : base(message, inner)
    {
        ErrorId = errorId;
    }

    public string ErrorId { get; }
}

/// <summary>No runtime binary could be found; Searched lists every place that was looked at.</summary>
public sealed class CodexRuntimeNotFoundException : CodexException
{
    public CodexRuntimeNotFoundException(string message, IReadOnlyList<string> searched)
        : base("CodexRuntimeNotFound", message)
    {
        Searched = searched;
    }

    public IReadOnlyList<string> Searched { get; }
}

/// <summary>The runtime process ended (or its pipe broke) while work was outstanding.</summary>
public sealed class CodexRuntimeExitedException : CodexException
{
    public CodexRuntimeExitedException(int? exitCode, string stderrTail, string? detail = null)
        : base("CodexRuntimeExited", BuildMessage(exitCode, stderrTail, detail))
    {
        ExitCode = exitCode;
        StderrTail = stderrTail;
    }

    public int? ExitCode { get; }

    public string StderrTail { get; }

    private static string BuildMessage(int? exitCode, string stderrTail, string? detail)
    {
        var code = exitCode is null ? "an unknown exit code" : $"exit code {exitCode}";
        var text = $"The codex runtime exited with {code}";
        if (!string.IsNullOrEmpty(detail))
        {
            text += $" ({detail})";
        }

        text += ".";
        if (!string.IsNullOrWhiteSpace(stderrTail))
        {
            text += " Last lines of its stderr:" + Environment.NewLine + stderrTail;
        }

        return text;
    }
}

/// <summary>The runtime did not answer a request within the configured time.</summary>
public sealed class CodexRuntimeUnresponsiveException : CodexException
{
    public CodexRuntimeUnresponsiveException(string method, TimeSpan timeout)
        : this(method, timeout, $"The codex runtime did not answer '{method}' within {timeout.TotalSeconds:0.#} s.")
    {
    }

    /// <summary>An unresponsive runtime with a message of the caller's (the watchdog says what it did about it).</summary>
    public CodexRuntimeUnresponsiveException(string method, TimeSpan timeout, string message)
        : base("CodexRuntimeUnresponsive", message)
    {
        Method = method;
        Timeout = timeout;
    }

    /// <summary>How long the runtime was given.</summary>
    public TimeSpan Timeout { get; }

    public string Method { get; }
}

/// <summary>The runtime answered a request with a JSON-RPC error.</summary>
public sealed class CodexRpcException : CodexException
{
    public CodexRpcException(string method, int code, string message, string? data)
        : base("CodexRpcError", $"The codex runtime rejected '{method}' ({code}): {message}")
    {
        Method = method;
        Code = code;
        Data2 = data;
    }

    public string Method { get; }

    public int Code { get; }

    /// <summary>The error's data member as raw JSON, when the runtime sent one.</summary>
    public string? Data2 { get; }
}
