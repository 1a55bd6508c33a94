namespace CodexPS.Engine.Metrics;

/// <summary>What one metric is: its unit, where its value comes from and how it is computed, or why it is always null.</summary>
public sealed class CodexMetricDefinition
{
    internal CodexMetricDefinition(string name, CodexMetricCategory category, string unit, CodexMetricKind kind, string source, string computation,
        string? nullReason = null, bool isSeedPoint = true)
    {
        Name = name;
        Category = category;
        Unit = unit;
        Kind = kind;
        Source = source;
        Computation = computation;
        NullReason = nullReason;
        IsSeedPoint = isSeedPoint;
    }

    /// <summary>Whether the metric has no signal at all, so every point is null (<see cref="NullReason"/> says why).</summary>
    public bool IsAlwaysNull => NullReason is not null && Source == "none";

    /// <summary>The metric's name (snake_case, as stored and exported).</summary>
    public string Name { get; }

    /// <summary>The group the metric belongs to.</summary>
    public CodexMetricCategory Category { get; }

    /// <summary>The unit of the metric's values (tokens, %, s, ...).</summary>
    public string Unit { get; }

    /// <summary>Whether the metric is a gauge or a counter.</summary>
    public CodexMetricKind Kind { get; }

    /// <summary>The real signal the value is computed from.</summary>
    public string Source { get; }

    /// <summary>How the value is derived from its source, in words.</summary>
    public string Computation { get; }

    /// <summary>Why a point of this metric is null: always (no real signal exists, <see cref="IsAlwaysNull"/>) or when its input is missing (model_token_cost without a price).</summary>
    public string? NullReason { get; }

    /// <summary>One of the seed's 42 data points (false for the few window and error details CodexPS adds).</summary>
    public bool IsSeedPoint { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
