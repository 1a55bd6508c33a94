using System.Text.Json;

namespace CodexPS.Engine.Protocol;

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
