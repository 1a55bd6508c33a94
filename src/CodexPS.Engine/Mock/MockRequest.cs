using System.Text.Json;

namespace CodexPS.Engine.Mock;

/// <summary>A request the mock received. The Authorization header is kept only as "(redacted)".</summary>
public sealed record MockRequest(DateTimeOffset ReceivedAt, string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The body parsed as JSON, or null when it is not JSON.</summary>
    public JsonElement? Json
    {
        get
        {
            try
            {
                return JsonDocument.Parse(Body).RootElement;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}
