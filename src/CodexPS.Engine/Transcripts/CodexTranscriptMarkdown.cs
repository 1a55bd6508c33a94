using System.Globalization;
using System.Text;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Transcripts;

/// <summary>
/// The Markdown transcript. Everything that came from the conversation is either in a fence longer than any backtick
/// run it contains, or escaped on a line of its own, so an answer holding ``` or HTML cannot change the page around it.
/// </summary>
internal static class CodexTranscriptMarkdown
{
    public static void Write(TextWriter writer, CodexTranscript transcript, DateTimeOffset exportedAt)
    {
        var thread = transcript.Thread;
        var md = new StringBuilder();
        md.Append("# Codex transcript: ").Append(CodexTranscriptText.MarkdownInline(transcript.Title)).Append("\n\n");
        Line(md, "Conversation", thread.Id);
        Line(md, "Model", thread.Model);
        Line(md, "Working directory", thread.WorkingDirectory);
        Line(md, "Created", Time(thread.CreatedAt));
        Line(md, "Runtime", transcript.RuntimeVersion);
        Line(md, "Exported", Time(exportedAt));
        Line(md, "Turns", transcript.Turns.Count.ToString(CultureInfo.InvariantCulture));
        md.Append('\n');

        foreach (var turn in transcript.Turns)
        {
            var info = turn.Turn;
            md.Append("## Turn ").Append(turn.Number).Append("\n\n");
            Line(md, "Turn", info.Id);
            Line(md, "Status", info.Status);
            Line(md, "Started", Time(info.StartedAt));
            Line(md, "Duration", info.Duration is { } d ? d.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s" : null);
            Line(md, "Error", info.Error is null ? null : info.ErrorInfo is null ? info.Error : $"{info.Error} ({info.ErrorInfo})");
            Line(md, "Tokens", Usage(turn.Usage) ?? "not recorded");
            md.Append('\n');

            foreach (var item in info.Items)
            {
                if (CodexTranscriptEntry.From(item) is { } entry)
                {
                    WriteEntry(md, entry);
                }
            }

            if (turn.Approvals.Count > 0)
            {
                md.Append("### Approvals\n\n");
                foreach (var approval in turn.Approvals)
                {
                    md.Append("- ").Append(CodexTranscriptText.MarkdownInline(approval.Method)).Append(": **")
                      .Append(CodexTranscriptText.MarkdownInline(approval.Decision ?? "no decision recorded")).Append("**");
                    if (approval.DecidedBy is { } by)
                    {
                        md.Append(" by ").Append(CodexTranscriptText.MarkdownInline(by));
                    }

                    if (approval.Subject is { } subject)
                    {
                        md.Append(" \u2014 ").Append(CodexTranscriptText.MarkdownInline(subject));
                    }

                    md.Append('\n');
                }

                md.Append('\n');
            }
        }

        writer.Write(md.ToString());
    }

    internal static string? Usage(CodexTokenUsage? usage) => usage is null ? null : string.Create(CultureInfo.InvariantCulture,
        $"input {usage.InputTokens} (cached {usage.CachedInputTokens}), output {usage.OutputTokens} (reasoning {usage.ReasoningOutputTokens}), total {usage.TotalTokens}");

    internal static string? Time(DateTimeOffset? time) => time?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static void WriteEntry(StringBuilder md, CodexTranscriptEntry entry)
    {
        md.Append("### ").Append(entry.Title).Append("\n\n");
        foreach (var (name, value) in entry.Facts)
        {
            Line(md, name, value);
        }

        if (entry.Facts.Count > 0)
        {
            md.Append('\n');
        }

        foreach (var block in entry.Blocks)
        {
            if (block.Label is { } label)
            {
                md.Append(CodexTranscriptText.MarkdownInline(label)).Append(":\n\n");
            }

            var text = block.Text;
            var folded = 0;
            if (block.Foldable && CodexTranscriptText.IsLong(text))
            {
                text = CodexTranscriptText.Head(text, out folded);
            }

            var fence = CodexTranscriptText.Fence(text);
            var info = block.Style switch { "diff" => "diff", "json" => "json", "markdown" => "markdown", _ => "text" };
            md.Append(fence).Append(info).Append('\n').Append(text);
            if (!text.EndsWith('\n'))
            {
                md.Append('\n');
            }

            md.Append(fence).Append("\n\n");
            if (block.Foldable && (folded > 0 || text.Length < block.Text.TrimEnd('\n').Length))
            {
                md.Append("> \u2026 folded: ").Append(folded.ToString(CultureInfo.InvariantCulture))
                  .Append(" more lines (").Append(CodexTranscriptText.LineCount(block.Text).ToString(CultureInfo.InvariantCulture))
                  .Append(" in all); the Json transcript holds the whole text.\n\n");
            }
        }
    }

    private static void Line(StringBuilder md, string name, string? value)
    {
        if (value is not null)
        {
            md.Append("- ").Append(name).Append(": ").Append(CodexTranscriptText.MarkdownInline(value)).Append('\n');
        }
    }
}
