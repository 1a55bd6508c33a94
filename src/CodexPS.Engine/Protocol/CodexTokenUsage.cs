using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>Token counts for a turn or a thread, as the runtime reports them.</summary>
/// <param name="InputTokens">Input tokens sent to the model.</param>
/// <param name="CachedInputTokens">Input tokens served from the prompt cache.</param>
/// <param name="OutputTokens">Tokens the model produced.</param>
/// <param name="ReasoningOutputTokens">Output tokens spent on reasoning.</param>
/// <param name="TotalTokens">The total the runtime reports.</param>
public sealed record CodexTokenUsage(long InputTokens, long CachedInputTokens, long OutputTokens, long ReasoningOutputTokens, long TotalTokens)
{
    internal static CodexTokenUsage? From(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return new CodexTokenUsage(
            json.Long("inputTokens") ?? 0,
            json.Long("cachedInputTokens") ?? 0,
            json.Long("outputTokens") ?? 0,
            json.Long("reasoningOutputTokens") ?? 0,
            json.Long("totalTokens") ?? 0);
    }
}
