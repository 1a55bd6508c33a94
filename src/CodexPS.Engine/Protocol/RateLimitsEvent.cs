using System.Text.Json;

namespace CodexPS.Engine.Protocol;

public sealed class RateLimitsEvent : CodexEvent
{
    internal RateLimitsEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(CodexEventKind.RateLimits, method, conversationId, turnId, timestamp, parameters)
    {
        RateLimits = new CodexRateLimits(parameters.Prop("rateLimits"), timestamp);
    }

    public CodexRateLimits RateLimits { get; }

    public CodexRateLimitWindow? Primary => RateLimits.Primary;

    public CodexRateLimitWindow? Secondary => RateLimits.Secondary;

    /// <inheritdoc/>
    public override string Summary => "rate limits: " + RateLimits;

    internal override CodexEvent Rebuild(JsonElement parameters) => new RateLimitsEvent(Method, ConversationId, TurnId, Timestamp, parameters);
}
