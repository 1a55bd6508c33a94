namespace CodexPS.Tools;

/// <summary>
/// What one call of a tool gave: the text the model reads (output, or the errors and the output written before
/// them, capped at the tool's MaxOutputBytes), whether it succeeded, how long it ran, and whether it was stopped
/// by its time limit (TimedOut) or by Ctrl+C / the turn's stop (Stopped).
/// </summary>
/// <param name="Text">The text the model reads.</param>
/// <param name="Success">False when the arguments could not be bound, the command wrote an error or threw, or the call was stopped.</param>
/// <param name="Duration">From the call's start to its outcome.</param>
/// <param name="TimedOut">The call ran longer than the tool's TimeoutSec and was stopped.</param>
/// <param name="Stopped">The call was stopped through its cancellation token.</param>
public sealed record CodexToolCallOutcome(string Text, bool Success, TimeSpan Duration, bool TimedOut, bool Stopped);
