namespace CodexPS.Engine.Protocol;

/// <summary>What a CodexEvent reports; the runtime notification it came from is in its Method.</summary>
public enum CodexEventKind
{
    /// <summary>A turn began (turn/started).</summary>
    TurnStarted,
    /// <summary>An item (message, command, file change, ...) began (item/started).</summary>
    ItemStarted,
    /// <summary>An item finished; the event carries its final state (item/completed).</summary>
    ItemCompleted,
    /// <summary>A piece of the agent's message text as it streams.</summary>
    AgentMessageDelta,
    /// <summary>A piece of the model's reasoning text as it streams.</summary>
    ReasoningDelta,
    /// <summary>A piece of a running command's output.</summary>
    CommandOutputDelta,
    /// <summary>The thread's token counts changed (thread/tokenUsage/updated).</summary>
    TokenUsage,
    /// <summary>The account's rate-limit usage changed (account/rateLimits/updated).</summary>
    RateLimits,
    /// <summary>The turn's combined diff changed (turn/diff/updated).</summary>
    TurnDiff,
    /// <summary>The model's plan changed (turn/plan/updated).</summary>
    PlanUpdated,
    /// <summary>The runtime asks for an approval or the user's input.</summary>
    ApprovalRequested,
    /// <summary>A pending request was settled (serverRequest/resolved).</summary>
    ApprovalResolved,
    /// <summary>The runtime reported an error (error).</summary>
    Error,
    /// <summary>A turn ended: completed, interrupted or failed (turn/completed).</summary>
    TurnCompleted,
    /// <summary>The conversation's goal was set or changed, by you or by the model (thread/goal/updated).</summary>
    GoalUpdated,
    /// <summary>The conversation's goal was cleared (thread/goal/cleared).</summary>
    GoalCleared,
    /// <summary>A configured hook began to run (hook/started).</summary>
    HookStarted,
    /// <summary>A configured hook finished (hook/completed).</summary>
    HookCompleted,
    /// <summary>Any other notification, kept with its method and raw parameters; CodexPS's own notices too.</summary>
    Notification,
    /// <summary>CodexPS stopped the turn because a budget was passed (<see cref="BudgetExceededEvent"/>).</summary>
    BudgetExceeded,
}
