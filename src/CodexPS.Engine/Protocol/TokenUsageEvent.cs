using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>The thread's token counts after a model request.</summary>
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

    /// <summary>Running totals for the whole thread; null when not reported.</summary>
    public CodexTokenUsage? Total { get; }

    /// <summary>The counts of the last model request alone; null when not reported.</summary>
    public CodexTokenUsage? Last { get; }

    /// <summary>The model's context window in tokens; null when the runtime does not know it.</summary>
    public long? ModelContextWindow { get; }

    internal override CodexEvent Rebuild(JsonElement parameters) => new TokenUsageEvent(Method, ConversationId, TurnId, Timestamp, parameters);

    /// <inheritdoc/>
    public override string Summary => $"tokens: {Last?.InputTokens} in, {Last?.OutputTokens} out (total {Total?.TotalTokens})";
}
