using System.Globalization;

namespace CodexPS.Engine.Mock;

/// <summary>Rate-limit headers as the real endpoint sends them (x-codex-primary-*, x-codex-secondary-*).</summary>
public sealed record MockRateLimits(double? PrimaryUsedPercent, int? PrimaryWindowMinutes, long? PrimaryResetAt,
    double? SecondaryUsedPercent = null, int? SecondaryWindowMinutes = null, long? SecondaryResetAt = null)
{
    internal IEnumerable<KeyValuePair<string, string>> Headers()
    {
        static string F(double v) => v.ToString(CultureInfo.InvariantCulture);
        if (PrimaryUsedPercent is { } pu) yield return new("x-codex-primary-used-percent", F(pu));
        if (PrimaryWindowMinutes is { } pw) yield return new("x-codex-primary-window-minutes", pw.ToString(CultureInfo.InvariantCulture));
        if (PrimaryResetAt is { } pr) yield return new("x-codex-primary-reset-at", pr.ToString(CultureInfo.InvariantCulture));
        if (SecondaryUsedPercent is { } su) yield return new("x-codex-secondary-used-percent", F(su));
        if (SecondaryWindowMinutes is { } sw) yield return new("x-codex-secondary-window-minutes", sw.ToString(CultureInfo.InvariantCulture));
        if (SecondaryResetAt is { } sr) yield return new("x-codex-secondary-reset-at", sr.ToString(CultureInfo.InvariantCulture));
    }
}
