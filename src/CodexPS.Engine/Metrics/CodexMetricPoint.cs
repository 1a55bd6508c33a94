namespace CodexPS.Engine.Metrics;

/// <summary>One measured value of one metric at one moment. Value is null only for metrics with no real signal.</summary>
public sealed class CodexMetricPoint
{
    public CodexMetricPoint(DateTimeOffset timestamp, string name, double? value, string? label = null, string? conversationId = null, string? turnId = null)
    {
        Definition = CodexMetricCatalog.Find(name) ?? throw new ArgumentException($"'{name}' is not a CodexPS metric.", nameof(name));
        Timestamp = timestamp;
        Value = value;
        Label = label;
        ConversationId = conversationId;
        TurnId = turnId;
    }

    public DateTimeOffset Timestamp { get; }

    public string Name => Definition.Name;

    public CodexMetricCategory Category => Definition.Category;

    public double? Value { get; }

    public string Unit => Definition.Unit;

    /// <summary>A dimension some metrics carry: the error category of errors_total, the item type of item_duration.</summary>
    public string? Label { get; }

    /// <summary>The conversation (thread) the value belongs to; null for process-wide values.</summary>
    public string? ConversationId { get; }

    public string? TurnId { get; }

    /// <summary>Why the value is null (the metric has no real signal); null when there is a value.</summary>
    public string? NullReason => Value is null ? Definition.NullReason : null;

    public CodexMetricDefinition Definition { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} = {(Value is { } v ? v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture) : "null")} {Unit}";
}
