namespace CodexPS.Engine.Protocol;

/// <summary>How a turn ended, or that it still runs.</summary>
public enum CodexTurnStatus
{
    /// <summary>The turn still runs (also any status the runtime names that CodexPS does not know).</summary>
    InProgress,
    /// <summary>The turn finished normally.</summary>
    Completed,
    /// <summary>The turn was stopped before it finished.</summary>
    Interrupted,
    /// <summary>The turn ended with an error.</summary>
    Failed,
}
