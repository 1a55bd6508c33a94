using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>Something the runtime reported about a turn. Raw is the notification's params as the runtime sent them.</summary>
public class CodexEvent
{
    private readonly JsonElement _params;

    internal CodexEvent(CodexEventKind kind, string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
    {
        Kind = kind;
        Method = method;
        ConversationId = conversationId;
        TurnId = turnId;
        Timestamp = timestamp;
        _params = parameters;
    }

    /// <summary>What kind of event this is; lets a script switch without type tests.</summary>
    public CodexEventKind Kind { get; }

    /// <summary>The protocol method that carried the event (turn/started, item/completed, ...).</summary>
    public string Method { get; }

    /// <summary>The thread the event belongs to; null for runtime-wide notifications.</summary>
    public string? ConversationId { get; }

    /// <summary>The turn the event belongs to; null when the runtime did not say.</summary>
    public string? TurnId { get; internal set; }

    /// <summary>When the runtime emitted it (its emittedAtMs), else when CodexPS received it.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The notification's params as JSON text, exactly as the runtime sent them ("null" when it sent none).</summary>
    public string Raw => _params.ValueKind == JsonValueKind.Undefined ? "null" : _params.GetRawText();

    internal JsonElement Params => _params;

    /// <summary>A one-line description for tables.</summary>
    public virtual string Summary => DisplayText.Sanitize(Method, 120);

    /// <inheritdoc/>
    public override string ToString() => $"{Kind}: {Summary}";

    /// <summary>
    /// A copy of this event read from other params (the same type, kind, method, conversation, turn and time):
    /// how a plugin changes an event. Everything the event shows (Item, Delta, Raw, ...) comes from the new params.
    /// </summary>
    public CodexEvent WithRaw(JsonElement parameters) => Rebuild(parameters.ValueKind == JsonValueKind.Undefined ? default : parameters.Clone());

    /// <summary>Like <see cref="WithRaw(JsonElement)"/>, from JSON text.</summary>
    public CodexEvent WithRaw(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        return WithRaw(document.RootElement);
    }

    /// <summary>
    /// A copy in which every string value of the params went through <paramref name="map"/> (message and command
    /// text, output, diffs, ...); identifiers (id, threadId, turnId, itemId, type, status) are left alone. The
    /// event itself is returned when nothing changed.
    /// </summary>
    public CodexEvent MapText(Func<string, string> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return JsonRewriter.Rewrite(_params, (key, value) => JsonRewriter.IsIdentifier(key) ? value : map(value)) is { } changed ? Rebuild(changed) : this;
    }

    /// <summary>The same event read from other params; each event type keeps what is not in its params.</summary>
    internal virtual CodexEvent Rebuild(JsonElement parameters) => new NotificationEvent(Method, ConversationId, TurnId, Timestamp, parameters, Kind);
}
