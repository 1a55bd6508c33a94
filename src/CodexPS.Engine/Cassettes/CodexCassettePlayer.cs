using System.Text.Json.Nodes;
using CodexPS.Engine.Mock;

namespace CodexPS.Engine.Cassettes;

/// <summary>
/// Answers a mock endpoint's model requests from a cassette, in order. With Strict, a request that does not carry the
/// recorded prompt and tool outputs is failed (HTTP 400, CodexCassetteMismatch, both sides in the message), so the turn
/// fails; without it the divergence is a warning and the recorded answer is served. Past the end every request fails
/// with CodexCassetteExhausted: nothing is ever made up.
/// </summary>
public sealed class CodexCassettePlayer : IMockResponder
{
    private readonly object _gate = new();
    private readonly List<CodexCassetteDivergence> _divergences = new();
    private int _position;

    /// <summary>Plays <paramref name="cassette"/>; <paramref name="strict"/> fails the first request that differs.</summary>
    public CodexCassettePlayer(CodexCassette cassette, bool strict)
    {
        Cassette = cassette ?? throw new ArgumentNullException(nameof(cassette));
        Strict = strict;
    }

    /// <summary>The cassette being played.</summary>
    public CodexCassette Cassette { get; }

    /// <summary>Whether a differing request fails (true) or only warns (false).</summary>
    public bool Strict { get; }

    /// <summary>How many recorded answers have been served.</summary>
    public int Played { get { lock (_gate) { return _position; } } }

    /// <summary>Recorded answers not served yet.</summary>
    public int Remaining { get { lock (_gate) { return Cassette.Requests.Count - _position; } } }

    /// <summary>Every divergence seen so far, oldest first.</summary>
    public IReadOnlyList<CodexCassetteDivergence> Divergences { get { lock (_gate) { return _divergences.ToArray(); } } }

    /// <inheritdoc/>
    public MockResponse Respond(MockRequest request, int number, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(warn);
        lock (_gate)
        {
            if (_position >= Cassette.Requests.Count)
            {
                var exhausted = new CodexCassetteDivergence("CodexCassetteExhausted", number, null,
                    $"model request {number} came after the cassette's last recorded answer ({Cassette.Requests.Count} recorded{Where()}); nothing is made up, so it fails.", true);
                _divergences.Add(exhausted);
                return Error(exhausted);
            }

            var exchange = Cassette.Requests[_position];
            var received = CodexCassetteRequest.FromRequestBody(request.Json);
            if (exchange.Request.Compare(received, Cassette.Masks) is { } difference)
            {
                var message = $"model request {number} (recorded request {_position + 1}, turn {exchange.Turn}, line {exchange.Line}{Where()}): {difference}";
                var divergence = new CodexCassetteDivergence("CodexCassetteMismatch", number, exchange.Turn, message, Strict);
                _divergences.Add(divergence);
                if (Strict)
                {
                    // The recorded request stays next: a retry that sends what was recorded still gets its answer.
                    return Error(divergence);
                }

                warn($"CodexCassetteMismatch: {message} The recorded answer was served anyway (no -Strict).");
            }

            _position++;
            return new MockResponse
            {
                Kind = MockResponseKind.Recorded,
                Output = exchange.Output.Select((o, i) => CodexCassetteItems.ToWire(o, _position, i)).ToArray(),
                Usage = exchange.Usage,
                RateLimits = exchange.RateLimits,
            };
        }
    }

    private string Where() => Cassette.Path is { } path ? $", cassette '{path}'" : string.Empty;

    private static MockResponse Error(CodexCassetteDivergence divergence)
    {
        var body = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["type"] = "invalid_request_error",
                ["code"] = divergence.ErrorId,
                ["message"] = divergence.Message,
            },
        };
        return MockResponse.FromError(400, body.ToJsonString());
    }
}
