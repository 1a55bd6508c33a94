namespace CodexPS.Engine.Protocol;

/// <summary>The answer to an approval request.</summary>
public enum CodexApprovalDecision
{
    /// <summary>Allow this one request (extra permissions for the current turn only).</summary>
    Accept,
    /// <summary>Allow the request for the rest of the session (acceptForSession; permissions with session scope).</summary>
    AcceptForSession,
    /// <summary>Refuse the request.</summary>
    Decline,
    /// <summary>Refuse and cancel: sent as cancel where the request kind has it (commands, patches, MCP elicitations), as a decline otherwise.</summary>
    Cancel,
}
