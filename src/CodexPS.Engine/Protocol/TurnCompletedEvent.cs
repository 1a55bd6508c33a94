using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>The turn ended: completed, interrupted or failed. The last event of every turn.</summary>
public sealed class TurnCompletedEvent : CodexEvent
{
    internal TurnCompletedEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(CodexEventKind.TurnCompleted, method, conversationId, turnId, timestamp, parameters)
    {
        var turn = parameters.Prop("turn");
        Status = ParseStatus(turn.Str("status"));
        Error = CodexTurnError.From(turn.Prop("error"));
        Duration = turn.Long("durationMs") is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
    }

    /// <summary>How the turn ended.</summary>
    public CodexTurnStatus Status { get; }

    /// <summary>Why a failed turn failed; null unless Status is Failed.</summary>
    public CodexTurnError? Error { get; }

    /// <summary>How long the turn ran, as the runtime measured it; null when not reported.</summary>
    public TimeSpan? Duration { get; }

    /// <summary>The final answer parsed against the turn's output schema, when one was given (set by the caller).</summary>
    public object? Output { get; set; }

    /// <summary>
    /// What the turn cost in USD, from the prices given to Connect-Codex -Pricing; null when no price is known for the
    /// turn's model (CodexPS ships none) or the runtime reported no tokens. Set by CodexPS before the event is delivered.
    /// </summary>
    public decimal? CostUsd { get; set; }

    /// <inheritdoc/>
    public override string Summary => Error is null ? Status.ToString() : $"{Status}: {Error.ErrorId}: {ItemEvent.OneLine(Error.Message)}";

    internal override CodexEvent Rebuild(JsonElement parameters) => new TurnCompletedEvent(Method, ConversationId, TurnId, Timestamp, parameters) { Output = Output, CostUsd = CostUsd };

    internal static CodexTurnStatus ParseStatus(string? status) => status switch
    {
        "completed" => CodexTurnStatus.Completed,
        "interrupted" => CodexTurnStatus.Interrupted,
        "failed" => CodexTurnStatus.Failed,
        _ => CodexTurnStatus.InProgress,
    };
}
