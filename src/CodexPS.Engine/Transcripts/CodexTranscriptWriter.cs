using System.Text;

namespace CodexPS.Engine.Transcripts;

/// <summary>Writes a transcript in one of the formats, UTF-8 without a byte-order mark.</summary>
public static class CodexTranscriptWriter
{
    /// <summary>Writes <paramref name="transcript"/> to <paramref name="stream"/> as <paramref name="format"/>.</summary>
    public static void Write(Stream stream, CodexTranscriptFormat format, CodexTranscript transcript, DateTimeOffset exportedAt)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(transcript);
        if (format == CodexTranscriptFormat.Json)
        {
            CodexTranscriptJson.Write(stream, transcript, exportedAt);
            return;
        }

        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\n" };
        if (format == CodexTranscriptFormat.Html)
        {
            CodexTranscriptHtml.Write(writer, transcript, exportedAt);
        }
        else
        {
            CodexTranscriptMarkdown.Write(writer, transcript, exportedAt);
        }
    }
}
