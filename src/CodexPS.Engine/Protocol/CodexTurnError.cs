using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>Why a turn failed, with the runtime's codexErrorInfo mapped to a stable ErrorId.</summary>
public sealed class CodexTurnError
{
    private CodexTurnError(string message, string? info, int? httpStatusCode, string? additionalDetails, string? cassetteErrorId = null)
    {
        Message = message;
        CodexErrorInfo = info;
        HttpStatusCode = httpStatusCode;
        AdditionalDetails = additionalDetails;

        // The runtime reports a refused key as httpConnectionFailed {httpStatusCode: 401}; it is an authentication error.
        ErrorId = cassetteErrorId ?? (info == "httpConnectionFailed" && httpStatusCode is 401 or 403 ? "CodexUnauthorized"
            : "Codex" + (info is null ? "TurnFailed" : Json.Pascal(info)));
    }

    /// <summary>The runtime's own words for the failure.</summary>
    public string Message { get; }

    /// <summary>The runtime's codexErrorInfo name (usageLimitExceeded, httpConnectionFailed, ...), null when it gave none.</summary>
    public string? CodexErrorInfo { get; }

    /// <summary>CodexUsageLimitExceeded, CodexInternalServerError, CodexHttpConnectionFailed, ... or CodexTurnFailed.</summary>
    public string ErrorId { get; }

    /// <summary>The model endpoint's HTTP status, when the failure came from it; null otherwise.</summary>
    public int? HttpStatusCode { get; }

    /// <summary>More detail the runtime gave (often the endpoint's body); null when none.</summary>
    public string? AdditionalDetails { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{ErrorId}: {Message}";

    internal static CodexTurnError? From(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var infoElement = json.Prop("codexErrorInfo");
        string? info = null;
        int? status = null;
        if (infoElement.ValueKind == JsonValueKind.String)
        {
            info = infoElement.GetString();
        }
        else if (infoElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in infoElement.EnumerateObject())
            {
                info = property.Name;
                status = property.Value.Int("httpStatusCode");
                break;
            }
        }

        var message = json.Str("message") ?? "(no message)";
        if (CassetteError(message) is { } cassette)
        {
            return new CodexTurnError(cassette.Message, info, status, json.Str("additionalDetails"), cassette.ErrorId);
        }

        return new CodexTurnError(message, info, status, json.Str("additionalDetails"));
    }

    /// <summary>
    /// CodexPS's mock endpoint fails a replayed request with a body whose error.code is CodexCassetteMismatch or
    /// CodexCassetteExhausted; the runtime passes the body on as the turn's message, and the code becomes the ErrorId.
    /// </summary>
    private static (string ErrorId, string Message)? CassetteError(string message)
    {
        if (!message.StartsWith('{') || !message.Contains("\"CodexCassette", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(message);
            var error = document.RootElement.Prop("error");
            return error.Str("code") is { } code && code.StartsWith("CodexCassette", StringComparison.Ordinal) && error.Str("message") is { } text
                ? (code, code + ": " + text)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
