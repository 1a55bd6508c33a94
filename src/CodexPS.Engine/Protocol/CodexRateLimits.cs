using System.Text.Json;

namespace CodexPS.Engine.Protocol;

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

    public CodexRateLimitWindow? Primary { get; }

    public CodexRateLimitWindow? Secondary { get; }

    public string? LimitId { get; }

    public string? PlanType { get; }

    public DateTimeOffset ReportedAt { get; }

    /// <inheritdoc/>
    public override string ToString() => string.Join(", ", new[] { Describe("primary", Primary), Describe("secondary", Secondary) }.OfType<string>());

    private static string? Describe(string name, CodexRateLimitWindow? window) =>
        window is null ? null : $"{window.Label ?? name} {window.UsedPercent}%" + (window.ResetsAt is { } at ? $" until {at.LocalDateTime:g}" : string.Empty);
}
