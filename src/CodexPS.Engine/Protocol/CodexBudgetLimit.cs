namespace CodexPS.Engine.Protocol;

/// <summary>Which budget a <see cref="BudgetExceededEvent"/> reports; each is named after the parameter that sets it.</summary>
public enum CodexBudgetLimit
{
    /// <summary>The tokens one turn may use (-MaxTokens): the sum of tokenUsage.last.totalTokens over its model requests.</summary>
    MaxTokens,
    /// <summary>How long one turn may run (-MaxDuration), from the moment CodexPS sends it.</summary>
    MaxDuration,
    /// <summary>How many tools one turn may call (-MaxToolCalls): commands, file changes, MCP and dynamic tool calls.</summary>
    MaxToolCalls,
    /// <summary>What one turn may cost in USD (-MaxCostUsd), priced with Connect-Codex -Pricing.</summary>
    MaxCostUsd,
    /// <summary>The tokens every turn of a conversation may use together (New-CodexConversation -TokenBudget).</summary>
    TokenBudget,
}
