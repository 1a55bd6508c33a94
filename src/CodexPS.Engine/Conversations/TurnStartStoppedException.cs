namespace CodexPS.Engine.Conversations;

/// <summary>
/// The caller stopped while the runtime was starting a turn. The start request had already gone out, so the turn
/// stays its conversation's active turn until the runtime has interrupted it (or refused to start it).
/// </summary>
public sealed class TurnStartStoppedException : OperationCanceledException
{
    /// <summary>Creates the exception for the token that stopped the start.</summary>
    public TurnStartStoppedException(CancellationToken cancellationToken)
        : base("The turn was stopped while it was starting; it is interrupted as soon as the runtime names it.", cancellationToken)
    {
    }
}
