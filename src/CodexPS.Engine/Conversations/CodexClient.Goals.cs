using System.Text.Json.Nodes;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

public sealed partial class CodexClient
{
    /// <summary>The conversation's goal (thread/goal/get); null when it has none.</summary>
    public async Task<CodexGoal?> GetGoalAsync(string threadId, CancellationToken cancellationToken)
    {
        var answer = await RequestAsync("thread/goal/get", new JsonObject { ["threadId"] = threadId }, cancellationToken).ConfigureAwait(false);
        return answer.Prop("goal") is { ValueKind: System.Text.Json.JsonValueKind.Object } goal ? new CodexGoal(goal) : null;
    }

    /// <summary>
    /// Sets or changes the goal (thread/goal/set); what is null stays as it is. Marked as the user's own action
    /// (origin "user"): the runtime treats a mutation without provenance as carrying no user authorization.
    /// </summary>
    public async Task<CodexGoal> SetGoalAsync(string threadId, string? objective, CodexGoalStatus? status, long? tokenBudget, CancellationToken cancellationToken)
    {
        var parameters = new JsonObject { ["threadId"] = threadId, ["origin"] = "user" };
        if (objective is not null)
        {
            parameters["objective"] = objective;
        }

        if (status is { } s)
        {
            parameters["status"] = char.ToLowerInvariant(s.ToString()[0]) + s.ToString()[1..];
        }

        if (tokenBudget is { } budget)
        {
            parameters["tokenBudget"] = budget;
        }

        var answer = await RequestAsync("thread/goal/set", parameters, cancellationToken).ConfigureAwait(false);
        return new CodexGoal(answer.Prop("goal"));
    }

    /// <summary>Clears the goal (thread/goal/clear, origin "user"); false when there was none.</summary>
    public async Task<bool> ClearGoalAsync(string threadId, CancellationToken cancellationToken)
    {
        var answer = await RequestAsync("thread/goal/clear", new JsonObject { ["threadId"] = threadId, ["origin"] = "user" }, cancellationToken).ConfigureAwait(false);
        return answer.Bool("cleared") == true;
    }
}
