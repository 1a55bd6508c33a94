using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>The conversation's goal changed (thread/goal/updated, with the goal) or was cleared (thread/goal/cleared).</summary>
public sealed class GoalEvent : CodexEvent
{
    internal GoalEvent(CodexEventKind kind, string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(kind, method, conversationId, turnId, timestamp, parameters)
    {
        Goal = parameters.Prop("goal") is { ValueKind: JsonValueKind.Object } goal ? new CodexGoal(goal) : null;
    }

    /// <summary>The goal as it is now; null when it was cleared.</summary>
    public CodexGoal? Goal { get; }

    /// <inheritdoc/>
    public override string Summary => Goal is null ? "goal cleared" : $"goal {Goal.Status}: {DisplayText.Sanitize(Goal.Objective, 100)}";

    internal override CodexEvent Rebuild(JsonElement parameters) => new GoalEvent(Kind, Method, ConversationId, TurnId, Timestamp, parameters);
}
