namespace CodexPS.Engine.Protocol;

public enum CodexTurnStatus
{
    InProgress,
    Completed,
    Interrupted,
    Failed,
}
