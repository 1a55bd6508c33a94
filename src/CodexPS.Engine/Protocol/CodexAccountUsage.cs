using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>A ChatGPT account's token activity (account/usage/read); every value the backend did not give is null.</summary>
public sealed class CodexAccountUsage
{
    internal CodexAccountUsage(JsonElement answer, DateTimeOffset readAt)
    {
        var summary = answer.Prop("summary");
        LifetimeTokens = summary.Long("lifetimeTokens");
        PeakDailyTokens = summary.Long("peakDailyTokens");
        LongestRunningTurnSec = summary.Long("longestRunningTurnSec");
        CurrentStreakDays = summary.Long("currentStreakDays");
        LongestStreakDays = summary.Long("longestStreakDays");
        ReadAt = readAt;
    }

    /// <summary>Tokens the account has used in all.</summary>
    public long? LifetimeTokens { get; }

    /// <summary>The most tokens used in one day.</summary>
    public long? PeakDailyTokens { get; }

    /// <summary>The longest turn, in seconds.</summary>
    public long? LongestRunningTurnSec { get; }

    /// <summary>Days in a row with activity, up to today.</summary>
    public long? CurrentStreakDays { get; }

    /// <summary>The most days in a row with activity.</summary>
    public long? LongestStreakDays { get; }

    /// <summary>When the runtime was asked.</summary>
    public DateTimeOffset ReadAt { get; }

    /// <inheritdoc/>
    public override string ToString() => LifetimeTokens is { } total ? $"{total:N0} tokens in all" : "no usage reported";
}
