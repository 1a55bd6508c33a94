using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>The account's rate-limit windows changed, as the runtime reported them.</summary>
public sealed class RateLimitsEvent : CodexEvent
{
    internal RateLimitsEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : this(method, conversationId, turnId, timestamp, parameters, new CodexRateLimits(parameters.Prop("rateLimits"), timestamp))
    {
    }

    /// <summary>With the limits already read from <paramref name="parameters"/>: a report is read once, whoever hears it.</summary>
    internal RateLimitsEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters, CodexRateLimits limits)
        : base(CodexEventKind.RateLimits, method, conversationId, turnId, timestamp, parameters)
    {
        RateLimits = limits;
    }

    /// <summary>The whole report.</summary>
    public CodexRateLimits RateLimits { get; }

    /// <summary>The short window (the one that resets first); null when not reported.</summary>
    public CodexRateLimitWindow? Primary => RateLimits.Primary;

    /// <summary>The long window; null when not reported.</summary>
    public CodexRateLimitWindow? Secondary => RateLimits.Secondary;

    /// <inheritdoc/>
    public override string Summary => "rate limits: " + RateLimits;

    internal override CodexEvent Rebuild(JsonElement parameters) => new RateLimitsEvent(Method, ConversationId, TurnId, Timestamp, parameters);
}
