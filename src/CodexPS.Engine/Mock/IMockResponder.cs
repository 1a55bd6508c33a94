namespace CodexPS.Engine.Mock;

/// <summary>
/// Answers the mock's model requests instead of its script (a cassette's player): it sees each request and chooses the
/// answer, so it can check what the runtime sent. Called on the connection's thread, one request at a time per connection.
/// </summary>
public interface IMockResponder
{
    /// <summary>The answer to the <paramref name="number"/>-th model request (1-based); <paramref name="warn"/> reports a problem to the PowerShell user.</summary>
    MockResponse Respond(MockRequest request, int number, Action<string> warn);
}
