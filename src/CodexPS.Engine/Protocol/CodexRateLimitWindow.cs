using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>A rate-limit window as the runtime reported it; every member it left out is null.</summary>
public sealed record CodexRateLimitWindow(int UsedPercent, int? WindowMinutes, DateTimeOffset? ResetsAt)
{
    internal static CodexRateLimitWindow? From(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object || json.Int("usedPercent") is not { } used)
        {
            return null;
        }

        return new CodexRateLimitWindow(used, json.Int("windowDurationMins"), Json.UnixSeconds(json.Long("resetsAt")));
    }

    /// <summary>The window's length for people: "5h", "weekly", "90m", "2d"; null when the runtime gave none.</summary>
    public string? Label => LabelFor(WindowMinutes);

    /// <summary>A window length in minutes for people ("5h", "weekly", "90m", "2d"); null for none or zero.</summary>
    public static string? LabelFor(int? windowMinutes) => windowMinutes switch
    {
        null or <= 0 => null,
        10080 => "weekly",
        int m when m % 1440 == 0 => $"{m / 1440}d",
        int m when m % 60 == 0 => $"{m / 60}h",
        int m => $"{m}m",
    };
}
