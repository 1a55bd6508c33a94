namespace CodexPS.Engine;

/// <summary>The runtime did not answer a request within the configured time.</summary>
public sealed class CodexRuntimeUnresponsiveException : CodexException
{
    /// <summary>Creates the error for a request that got no answer within <paramref name="timeout"/>.</summary>
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

    /// <summary>The request that got no answer.</summary>
    public string Method { get; }
}
