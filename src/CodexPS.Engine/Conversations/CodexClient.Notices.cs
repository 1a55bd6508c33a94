namespace CodexPS.Engine.Conversations;

/// <summary>Warnings raised while turns are being read go into those turns' queues, in order with their events.</summary>
public sealed partial class CodexClient
{
    /// <summary>True when at least one turn being read took the warning; otherwise it waits in the client's queue.</summary>
    private bool DeliverToReadingTurns(string message)
    {
        var delivered = false;
        foreach (var conversation in _conversations.Values)
        {
            if (conversation.ActiveTurn is { } turn && turn.PostNotice(CodexNoticeLevel.Warning, message))
            {
                delivered = true;
            }
        }

        return delivered;
    }
}
