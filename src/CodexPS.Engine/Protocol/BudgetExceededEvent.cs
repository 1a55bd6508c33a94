using System.Globalization;
using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>
/// CodexPS stopped the turn because a budget was passed: the turn has been asked to stop (turn/interrupt) and ends as
/// Interrupted. Everything the runtime reported before (and until the turn's end) is still delivered. It is CodexPS's
/// own event, so it has no runtime params (Raw is "null") and plugins and recordings never see it.
/// </summary>
public sealed class BudgetExceededEvent : CodexEvent
{
    internal BudgetExceededEvent(string? conversationId, string? turnId, CodexBudgetLimit limit, object limitValue, object measured)
        : base(CodexEventKind.BudgetExceeded, "codexps/budgetExceeded", conversationId, turnId, DateTimeOffset.Now, default)
    {
        Limit = limit;
        LimitValue = limitValue;
        Measured = measured;
    }

    /// <summary>The budget that was passed.</summary>
    public CodexBudgetLimit Limit { get; }

    /// <summary>The budget as it was set: tokens (long), a TimeSpan, a count of tool calls (int) or USD (decimal).</summary>
    public object LimitValue { get; }

    /// <summary>What CodexPS measured when it stopped the turn, in the same unit as <see cref="LimitValue"/>.</summary>
    public object Measured { get; }

    /// <summary>The sentence the CodexBudgetExceeded error carries.</summary>
    public string Message => Limit switch
    {
        CodexBudgetLimit.TokenBudget => $"Conversation {ConversationId} passed its token budget: {Format(Measured)} tokens used of {Format(LimitValue)}; the turn was stopped.",
        CodexBudgetLimit.MaxDuration => $"The turn ran for {Format(Measured)}, longer than -MaxDuration {Format(LimitValue)}; it was stopped.",
        CodexBudgetLimit.MaxToolCalls => $"The turn started tool call {Format(Measured)}, more than -MaxToolCalls {Format(LimitValue)}; it was stopped.",
        CodexBudgetLimit.MaxCostUsd => $"The turn cost {Format(Measured)} USD, more than -MaxCostUsd {Format(LimitValue)}; it was stopped.",
        _ => $"The turn used {Format(Measured)} tokens, more than -MaxTokens {Format(LimitValue)}; it was stopped.",
    };

    /// <summary>The error the cmdlets write for this event (ErrorId CodexBudgetExceeded).</summary>
    public CodexException ToException() => new("CodexBudgetExceeded", Message);

    /// <inheritdoc/>
    public override string Summary => $"{Limit} {Format(LimitValue)} passed: {Format(Measured)}";

    internal override CodexEvent Rebuild(JsonElement parameters) => this;

    private static string Format(object value) => value switch
    {
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
