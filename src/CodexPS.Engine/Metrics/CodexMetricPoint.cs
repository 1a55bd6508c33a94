namespace CodexPS.Engine.Metrics;

/// <summary>One measured value of one metric at one moment. Value is null only for metrics with no real signal.</summary>
public sealed class CodexMetricPoint
{
    /// <summary>A value of the named metric; throws ArgumentException when CodexPS has no metric of that name.</summary>
    /// <param name="timestamp">When the value was measured.</param>
    /// <param name="name">The metric's name, as in CodexMetricCatalog.</param>
    /// <param name="value">The value; null only for a metric with no real signal.</param>
    /// <param name="label">The dimension the metric carries, if any.</param>
    /// <param name="conversationId">The conversation the value belongs to; null for a process-wide value.</param>
    /// <param name="turnId">The turn the value belongs to, if any.</param>
    public CodexMetricPoint(DateTimeOffset timestamp, string name, double? value, string? label = null, string? conversationId = null, string? turnId = null)
    {
        Definition = CodexMetricCatalog.Find(name) ?? throw new ArgumentException($"'{name}' is not a CodexPS metric.", nameof(name));
        Timestamp = timestamp;
        Value = value;
        Label = label;
        ConversationId = conversationId;
        TurnId = turnId;
    }

    /// <summary>When the value was measured.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The metric's name.</summary>
    public string Name => Definition.Name;

    /// <summary>The metric's group.</summary>
    public CodexMetricCategory Category => Definition.Category;

    /// <summary>The measured value; null only for metrics with no real signal.</summary>
    public double? Value { get; }

    /// <summary>The unit of the value.</summary>
    public string Unit => Definition.Unit;

    /// <summary>A dimension some metrics carry: the error category of errors_total, the item type of item_duration.</summary>
    public string? Label { get; }

    /// <summary>The conversation (thread) the value belongs to; null for process-wide values.</summary>
    public string? ConversationId { get; }

    /// <summary>The turn the value belongs to; null for values not tied to a turn.</summary>
    public string? TurnId { get; }

    /// <summary>Why the value is null (the metric has no real signal); null when there is a value.</summary>
    public string? NullReason => Value is null ? Definition.NullReason : null;

    /// <summary>What the metric is: its unit, source and computation.</summary>
    public CodexMetricDefinition Definition { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} = {(Value is { } v ? v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture) : "null")} {Unit}";
}
