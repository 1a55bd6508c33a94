namespace CodexPS.Engine.Mock;

/// <summary>
/// The token usage a scripted answer reports in its response.completed, so a test knows the exact numbers the runtime
/// will relay. Without it the mock reports a quarter of the request body's length as input and the deltas as output.
/// </summary>
/// <param name="InputTokens">usage.input_tokens.</param>
/// <param name="OutputTokens">usage.output_tokens.</param>
/// <param name="CachedInputTokens">usage.input_tokens_details.cached_tokens.</param>
/// <param name="ReasoningTokens">usage.output_tokens_details.reasoning_tokens.</param>
public sealed record MockUsage(long InputTokens, long OutputTokens, long CachedInputTokens = 0, long ReasoningTokens = 0)
{
    /// <summary>usage.total_tokens: input plus output, as the Responses API counts it.</summary>
    public long TotalTokens => InputTokens + OutputTokens;
}
