namespace CodexPS.Engine.Transcripts;

/// <summary>
/// An approval the runtime asked for and the decision it got, as a CodexPS recording kept it (the runtime's own
/// history keeps neither). Decision is null when the recording holds the request but no answer.
/// </summary>
/// <param name="TurnId">The turn the request belonged to.</param>
/// <param name="ItemId">The item (command, file change) it was about; null when the request named none.</param>
/// <param name="Method">The server request's method (item/commandExecution/requestApproval, ...).</param>
/// <param name="Subject">What was asked: the command line, else the reason the runtime gave.</param>
/// <param name="Decision">Accept, AcceptForSession, Decline or Cancel; null when none was recorded.</param>
/// <param name="DecidedBy">Who answered (a handler, a prompt, a policy), as the recording names it.</param>
/// <param name="RequestedAt">When the request arrived.</param>
public sealed record CodexTranscriptApproval(string? TurnId, string? ItemId, string Method, string? Subject, string? Decision, string? DecidedBy, DateTimeOffset? RequestedAt);
