using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>A piece of streamed text: an agent message, reasoning or a command's output.</summary>
public sealed class DeltaEvent : CodexEvent
{
    internal DeltaEvent(CodexEventKind kind, string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters, string? knownItemId = null)
        : base(kind, method, conversationId, turnId, timestamp, parameters)
    {
        ItemId = parameters.Str("itemId"u8, knownItemId);
        Delta = parameters.Str("delta"u8) ?? string.Empty;
    }

    /// <summary>The item the text belongs to.</summary>
    public string? ItemId { get; }

    /// <summary>The new piece of text; empty when the runtime sent none.</summary>
    public string Delta { get; }

    /// <inheritdoc/>
    public override string Summary => ItemEvent.OneLine(Delta);

    /// <summary>A copy carrying other text (a plugin's change of a streamed piece).</summary>
    public DeltaEvent WithDelta(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var changed = JsonRewriter.Rewrite(Params, (key, value) => key == "delta" ? text : value);
        if (changed is { } parameters)
        {
            return (DeltaEvent)Rebuild(parameters);
        }

        // No delta member to replace (never from the runtime): built with one.
        var node = System.Text.Json.Nodes.JsonNode.Parse(Raw) as System.Text.Json.Nodes.JsonObject ?? new System.Text.Json.Nodes.JsonObject();
        node["delta"] = text;
        return (DeltaEvent)WithRaw(node.ToJsonString());
    }

    internal override CodexEvent Rebuild(JsonElement parameters) => new DeltaEvent(Kind, Method, ConversationId, TurnId, Timestamp, parameters, ItemId);
}
