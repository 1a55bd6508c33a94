using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>Any notification CodexPS does not model: kept whole in Raw.</summary>
public sealed class NotificationEvent : CodexEvent
{
    internal NotificationEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters, CodexEventKind? kind = null)
        : base(kind ?? (method == "turn/plan/updated" ? CodexEventKind.PlanUpdated : CodexEventKind.Notification), method, conversationId, turnId, timestamp, parameters)
    {
    }
}
