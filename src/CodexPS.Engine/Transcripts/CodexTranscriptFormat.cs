namespace CodexPS.Engine.Transcripts;

/// <summary>The file formats of Export-CodexTranscript.</summary>
public enum CodexTranscriptFormat
{
    /// <summary>Markdown: every text from the conversation in a fence it cannot close; long command output folded.</summary>
    Markdown,

    /// <summary>One self-contained HTML page (inline CSS, no script, no external request); long output in &lt;details&gt;.</summary>
    Html,

    /// <summary>JSON (codexps.transcript/1): the runtime's items whole, with usage and approvals per turn.</summary>
    Json,
}
