using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>The turn's changes to files so far, as one unified diff (sent again whenever it changes).</summary>
public sealed class TurnDiffEvent : CodexEvent
{
    internal TurnDiffEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(CodexEventKind.TurnDiff, method, conversationId, turnId, timestamp, parameters)
    {
        Diff = parameters.Str("diff") ?? string.Empty;
    }

    /// <summary>The unified diff of every file the turn changed so far.</summary>
    public string Diff { get; }

    /// <inheritdoc/>
    public override string Summary => $"diff: {Diff.Split('\n').Length} lines";

    internal override CodexEvent Rebuild(JsonElement parameters) => new TurnDiffEvent(Method, ConversationId, TurnId, Timestamp, parameters);
}
