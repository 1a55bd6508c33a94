using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>The runtime reported an error in a turn; with WillRetry it is retrying and the turn goes on.</summary>
public sealed class ErrorEvent : CodexEvent
{
    internal ErrorEvent(string method, string? conversationId, string? turnId, DateTimeOffset timestamp, JsonElement parameters)
        : base(CodexEventKind.Error, method, conversationId, turnId, timestamp, parameters)
    {
        Error = CodexTurnError.From(parameters.Prop("error"));
        WillRetry = parameters.Bool("willRetry") ?? false;
    }

    /// <summary>What went wrong, with a stable ErrorId; null when the runtime sent no error object.</summary>
    public CodexTurnError? Error { get; }

    /// <summary>True when the runtime retries by itself, so the error need not end the turn.</summary>
    public bool WillRetry { get; }

    /// <inheritdoc/>
    public override string Summary => (WillRetry ? "retrying: " : "error: ") + DisplayText.Sanitize(Error?.Message, 120);

    internal override CodexEvent Rebuild(JsonElement parameters) => new ErrorEvent(Method, ConversationId, TurnId, Timestamp, parameters);
}
