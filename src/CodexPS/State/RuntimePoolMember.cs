using CodexPS.Engine.Conversations;

namespace CodexPS;

/// <summary>One runtime of a pool, with what placement and health know about it. Guarded by its pool's lock.</summary>
internal sealed class RuntimePoolMember
{
    public RuntimePoolMember(SharedRuntime runtime, int index)
    {
        Runtime = runtime;
        Index = index;
    }

    public SharedRuntime Runtime { get; }

    /// <summary>Its place in the pool (0 first): ties in placement go to the lower one.</summary>
    public int Index { get; }

    public string Name => Runtime.Name;

    /// <summary>Placements made and not yet disposed: work on its way that its client does not count yet.</summary>
    public int Held { get; set; }

    /// <summary>How many conversations placement has put on it.</summary>
    public int Placed { get; set; }

    /// <summary>Marked down by health (its runtime died, a start failed, readyz went unanswered) until it answers again.</summary>
    public bool Down { get; set; }

    /// <summary>Why it was last marked down; kept after it recovers, so a status shows what happened.</summary>
    public string? LastError { get; set; }

    /// <summary>readyz probes in a row that failed.</summary>
    public int ReadyFailures { get; set; }

    /// <summary>The client whose exit this member listens to.</summary>
    public CodexClient? Watched { get; set; }

    /// <summary>A health repair (restart, reconnect) is under way.</summary>
    public bool Repairing { get; set; }

    /// <summary>Whether it can take work now: not marked down, and its client (if it started) is running.</summary>
    public bool IsUp => !Down && Runtime.Client is not { State: not CodexRuntimeState.Running };

    /// <summary>Turns running on it now.</summary>
    public int ActiveTurns => Runtime.Client is { State: CodexRuntimeState.Running } client ? client.Conversations.Count(c => c.ActiveTurn is not null) : 0;

    /// <summary>Conversations loaded on it now.</summary>
    public int Conversations => Runtime.Client is { State: CodexRuntimeState.Running } client ? client.Conversations.Count : 0;
}
