using System.Text.Json;

namespace CodexPS.Engine.Protocol;

public sealed class ErrorEvent : CodexEvent
{
    internal ErrorEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(CodexEventKind.Error, method, conversationId, turnId, timestamp, parameters)
    {
        Error = CodexTurnError.From(parameters.Prop("error"));
        WillRetry = parameters.Bool("willRetry") ?? false;
    }

    public CodexTurnError? Error { get; }

    public bool WillRetry { get; }

    /// <inheritdoc/>
    public override string Summary => (WillRetry ? "retrying: " : "error: ") + DisplayText.Sanitize(Error?.Message, 120);

    internal override CodexEvent Rebuild(JsonElement parameters) => new ErrorEvent(Method, ConversationId, TurnId, Timestamp, parameters);
}
