namespace CodexPS.Engine.Cassettes;

/// <summary>A model request that did not carry what the cassette recorded (or came after the cassette ran out).</summary>
/// <param name="ErrorId">CodexCassetteMismatch or CodexCassetteExhausted.</param>
/// <param name="RequestNumber">The 1-based model request of the replay.</param>
/// <param name="Turn">The turn the recorded request belonged to; null when the cassette had none left.</param>
/// <param name="Message">What differs, with the recorded and the received side.</param>
/// <param name="Failed">True when the request was failed (-Strict, or exhausted); false when replay carried on.</param>
public sealed record CodexCassetteDivergence(string ErrorId, int RequestNumber, int? Turn, string Message, bool Failed)
{
    /// <inheritdoc/>
    public override string ToString() => $"{ErrorId}: {Message}";
}
