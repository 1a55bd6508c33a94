namespace CodexPS.Engine.Protocol;

/// <summary>Where a conversation's goal stands (the runtime's ThreadGoalStatus).</summary>
public enum CodexGoalStatus
{
    /// <summary>The agent works toward it.</summary>
    Active,
    /// <summary>Put on hold.</summary>
    Paused,
    /// <summary>The agent cannot go on without help.</summary>
    Blocked,
    /// <summary>Stopped by the account's usage limit.</summary>
    UsageLimited,
    /// <summary>Stopped because its token budget is used up.</summary>
    BudgetLimited,
    /// <summary>Reached.</summary>
    Complete,
}
