using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>The account's rate-limit usage as last reported by the runtime.</summary>
public sealed class CodexRateLimits
{
    internal CodexRateLimits(JsonElement snapshot, DateTimeOffset reportedAt)
    {
        Primary = CodexRateLimitWindow.From(snapshot.Prop("primary"));
        Secondary = CodexRateLimitWindow.From(snapshot.Prop("secondary"));
        LimitId = snapshot.Str("limitId");
        PlanType = snapshot.Str("planType");
        ReportedAt = reportedAt;
    }

    /// <summary>The primary (shorter) window; null when the runtime reported none.</summary>
    public CodexRateLimitWindow? Primary { get; }

    /// <summary>The secondary (longer) window; null when the runtime reported none.</summary>
    public CodexRateLimitWindow? Secondary { get; }

    /// <summary>Which limit the snapshot is for, as the runtime names it; null when it gives none.</summary>
    public string? LimitId { get; }

    /// <summary>The plan the limits belong to; null when the runtime gives none.</summary>
    public string? PlanType { get; }

    /// <summary>When the runtime reported these numbers.</summary>
    public DateTimeOffset ReportedAt { get; }

    /// <inheritdoc/>
    public override string ToString() => string.Join(", ", new[] { Describe("primary", Primary), Describe("secondary", Secondary) }.OfType<string>());

    private static string? Describe(string name, CodexRateLimitWindow? window) =>
        window is null ? null : $"{window.Label ?? name} {window.UsedPercent}%" + (window.ResetsAt is { } at ? $" until {at.LocalDateTime:g}" : string.Empty);
}
