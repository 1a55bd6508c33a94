namespace CodexPS.Engine.Protocol;

public enum CodexApprovalDecision
{
    Accept,
    AcceptForSession,
    Decline,
    Cancel,
}
