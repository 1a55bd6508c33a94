namespace CodexPS.Engine;

/// <summary>The runtime process ended (or its pipe broke) while work was outstanding.</summary>
public sealed class CodexRuntimeExitedException : CodexException
{
    /// <summary>Creates the error for a runtime that ended; the stderr tail explains why.</summary>
    public CodexRuntimeExitedException(int? exitCode, string stderrTail, string? detail = null)
        : base("CodexRuntimeExited", BuildMessage(exitCode, stderrTail, detail))
    {
        ExitCode = exitCode;
        StderrTail = stderrTail;
    }

    /// <summary>The runtime's exit code; null when it is unknown (a remote runtime, or still exiting).</summary>
    public int? ExitCode { get; }

    /// <summary>The last lines the runtime wrote to stderr, with secrets redacted; empty when none.</summary>
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
