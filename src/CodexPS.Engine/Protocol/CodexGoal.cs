using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>A conversation's goal (thread/goal/get|set, thread/goal/updated): the objective, its status, its budget and use.</summary>
public sealed class CodexGoal
{
    internal CodexGoal(JsonElement goal)
    {
        ConversationId = goal.Str("threadId") ?? string.Empty;
        Objective = goal.Str("objective") ?? string.Empty;
        Status = goal.Str("status") is { } status && Enum.TryParse<CodexGoalStatus>(status, ignoreCase: true, out var parsed) ? parsed : null;
        TokenBudget = goal.Long("tokenBudget");
        TokensUsed = goal.Long("tokensUsed");
        TimeUsed = goal.Long("timeUsedSeconds") is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
        CreatedAt = Json.UnixSeconds(goal.Long("createdAt"));
        UpdatedAt = Json.UnixSeconds(goal.Long("updatedAt"));
    }

    /// <summary>The conversation the goal belongs to.</summary>
    public string ConversationId { get; }

    /// <summary>What the agent is to achieve.</summary>
    public string Objective { get; }

    /// <summary>Where the goal stands; null for a status this version of CodexPS does not know.</summary>
    public CodexGoalStatus? Status { get; }

    /// <summary>The tokens the goal may use; null when it has no budget.</summary>
    public long? TokenBudget { get; }

    /// <summary>The tokens used toward the goal so far.</summary>
    public long? TokensUsed { get; }

    /// <summary>The time spent on the goal so far.</summary>
    public TimeSpan? TimeUsed { get; }

    /// <summary>When the goal was set.</summary>
    public DateTimeOffset? CreatedAt { get; }

    /// <summary>When the goal last changed.</summary>
    public DateTimeOffset? UpdatedAt { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Status}: {Objective}";
}
