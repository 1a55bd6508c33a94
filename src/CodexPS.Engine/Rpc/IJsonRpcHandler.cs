using System.Text.Json;

namespace CodexPS.Engine.Rpc;

/// <summary>What the single reader hands on: awaited, so a slow consumer slows the reader (backpressure).</summary>
public interface IJsonRpcHandler
{
    /// <summary>A notification: method, params (default when absent) and the whole message.</summary>
    ValueTask OnNotificationAsync(string method, JsonElement parameters, JsonElement message);

    /// <summary>A request from the runtime; the handler must answer it through the connection.</summary>
    ValueTask OnServerRequestAsync(JsonElement id, string method, JsonElement parameters, JsonElement message);

    /// <summary>A line that could not be understood; it was skipped.</summary>
    void OnMalformedLine(string reason, string excerpt);

    /// <summary>The stream ended; every pending request has already been failed with <paramref name="error"/>.</summary>
    void OnClosed(Exception error);
}
