using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>A turn began (turn/started).</summary>
public sealed class TurnStartedEvent : CodexEvent
{
    internal TurnStartedEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(CodexEventKind.TurnStarted, method, conversationId, turnId, timestamp, parameters)
    {
    }

    /// <inheritdoc/>
    public override string Summary => $"turn {TurnId}";

    internal override CodexEvent Rebuild(JsonElement parameters) => new TurnStartedEvent(Method, ConversationId, TurnId, Timestamp, parameters);
}
