using CodexPS.Engine.Conversations;

namespace CodexPS;

/// <summary>
/// The module's lifecycle events of every runtime it runs, in one place that outlives reconnects:
/// Register-ObjectEvent -InputObject (Get-CodexStatus).Events -EventName ConversationEvent.
/// </summary>
public sealed class CodexLifecycleEvents
{
    /// <summary>Raised when a conversation of any of the session's runtimes is created, removed, resumed, goes inactive or fails.</summary>
    public event EventHandler<CodexConversationEventArgs>? ConversationEvent;

    internal void Forward(object? sender, CodexConversationEventArgs e) => ConversationEvent?.Invoke(sender, e);
}
