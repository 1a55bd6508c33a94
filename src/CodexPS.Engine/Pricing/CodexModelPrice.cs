using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Pricing;

/// <summary>What one model's tokens cost, in USD per million tokens, as the user gave it (Connect-Codex -Pricing).</summary>
/// <param name="Model">The model slug the prices are for, as the runtime names it.</param>
/// <param name="InputUsdPerMillion">Input tokens not served from the prompt cache.</param>
/// <param name="CachedInputUsdPerMillion">Input tokens served from the prompt cache.</param>
/// <param name="OutputUsdPerMillion">Output tokens, reasoning tokens included.</param>
public sealed record CodexModelPrice(string Model, decimal InputUsdPerMillion, decimal CachedInputUsdPerMillion, decimal OutputUsdPerMillion)
{
    /// <summary>
    /// The cost of one model request. The runtime counts cached tokens inside inputTokens (as the Responses API does), so
    /// they are taken out of the input before each part is priced.
    /// </summary>
    public decimal Cost(CodexTokenUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var cached = Math.Min(usage.CachedInputTokens, usage.InputTokens);
        var fresh = usage.InputTokens - cached;
        return ((fresh * InputUsdPerMillion) + (cached * CachedInputUsdPerMillion) + (usage.OutputTokens * OutputUsdPerMillion)) / 1_000_000m;
    }
}
