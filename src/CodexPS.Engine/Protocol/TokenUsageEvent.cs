using System.Text.Json;

namespace CodexPS.Engine.Protocol;

public sealed class TokenUsageEvent : CodexEvent
{
    internal TokenUsageEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(CodexEventKind.TokenUsage, method, conversationId, turnId, timestamp, parameters)
    {
        var usage = parameters.Prop("tokenUsage");
        Total = CodexTokenUsage.From(usage.Prop("total"));
        Last = CodexTokenUsage.From(usage.Prop("last"));
        ModelContextWindow = usage.Long("modelContextWindow");
    }

    public CodexTokenUsage? Total { get; }

    public CodexTokenUsage? Last { get; }

    public long? ModelContextWindow { get; }

    internal override CodexEvent Rebuild(JsonElement parameters) => new TokenUsageEvent(Method, ConversationId, TurnId, Timestamp, parameters);

    /// <inheritdoc/>
    public override string Summary => $"tokens: {Last?.InputTokens} in, {Last?.OutputTokens} out (total {Total?.TotalTokens})";
}
