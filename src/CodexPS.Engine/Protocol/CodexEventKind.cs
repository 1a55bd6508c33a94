namespace CodexPS.Engine.Protocol;

public enum CodexEventKind
{
    TurnStarted,
    ItemStarted,
    ItemCompleted,
    AgentMessageDelta,
    ReasoningDelta,
    CommandOutputDelta,
    TokenUsage,
    RateLimits,
    TurnDiff,
    PlanUpdated,
    ApprovalRequested,
    ApprovalResolved,
    Error,
    TurnCompleted,
    Notification,
}
