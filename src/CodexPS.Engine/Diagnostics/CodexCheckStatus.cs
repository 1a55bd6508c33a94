namespace CodexPS.Engine.Diagnostics;

/// <summary>The outcome of one environment check.</summary>
public enum CodexCheckStatus
{
    /// <summary>Nothing to fix.</summary>
    Pass,

    /// <summary>Works, but something is worth fixing (an unsupported runtime version, a fallback in use, a loose permission).</summary>
    Warn,

    /// <summary>Broken: turns will fail (or are unsafe) until it is fixed.</summary>
    Fail,

    /// <summary>Not checked, because a check it depends on failed (the runtime did not start); Found says which.</summary>
    Skipped,
}
