namespace CodexPS.Engine.Transcripts;

/// <summary>
/// One piece of text of a transcript entry, already cleaned of terminal escapes. Style says how a page shows it:
/// markdown (a message), text, output (command or tool output, folded when long), diff, json.
/// </summary>
internal sealed record CodexTranscriptBlock(string? Label, string Text, string Style)
{
    /// <summary>Output and raw JSON fold when long; messages and diffs are always shown whole.</summary>
    public bool Foldable => Style is "output" or "json";
}
