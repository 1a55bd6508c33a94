using System.Globalization;
using System.Net;
using System.Text;

namespace CodexPS.Engine.Transcripts;

/// <summary>
/// The HTML transcript: one page with its CSS inline, no script and nothing fetched (its Content-Security-Policy
/// forbids both as well). Every text from the conversation is HTML-encoded after terminal escapes are removed.
/// </summary>
internal static class CodexTranscriptHtml
{
    private const string Style = """
        body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1f2328}
        main{max-width:980px;margin:0 auto;padding:24px}
        h1{font-size:24px;margin:0 0 8px}
        h2{font-size:19px;margin:32px 0 8px;padding-top:12px;border-top:2px solid #d0d7de}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0 12px;font-size:13px}
        dl.facts dt{color:#57606a}dl.facts dd{margin:0;word-break:break-all}
        section.entry{background:#fff;border:1px solid #d0d7de;border-left:5px solid #8c959f;border-radius:6px;margin:12px 0;padding:10px 14px}
        section.prompt{border-left-color:#2563eb}section.answer{border-left-color:#16a34a}section.commentary{border-left-color:#86efac}
        section.reasoning{border-left-color:#a855f7;background:#faf5ff}section.command{border-left-color:#f59e0b}
        section.fileChange{border-left-color:#0891b2}section.mcpToolCall,section.toolCall{border-left-color:#db2777}
        section.approvals{border-left-color:#dc2626}
        h3{font-size:15px;margin:0 0 6px}
        .label{font-size:12px;color:#57606a;margin:8px 0 2px}
        .message{white-space:pre-wrap;word-wrap:break-word}
        pre{background:#f6f8fa;border:1px solid #e5e7eb;border-radius:4px;padding:8px;margin:0;overflow-x:auto;font:13px/1.4 ui-monospace,Consolas,monospace;white-space:pre-wrap;word-wrap:break-word}
        pre.output{background:#111827;color:#e5e7eb}
        .diff .add{background:#dcfce7;color:#14532d;display:block}.diff .del{background:#fee2e2;color:#7f1d1d;display:block}.diff .hunk{color:#6d28d9;display:block}
        details>summary{cursor:pointer;font-size:13px;color:#0969da;margin:4px 0}
        .usage{font-size:13px}.unknown{color:#8c959f;font-style:italic}
        .decision{font-weight:600}.decision.Accept,.decision.AcceptForSession{color:#15803d}.decision.Decline,.decision.Cancel{color:#b91c1c}
        """;

    public static void Write(TextWriter writer, CodexTranscript transcript, DateTimeOffset exportedAt)
    {
        var thread = transcript.Thread;
        var title = "Codex transcript: " + transcript.Title;
        var html = new StringBuilder(16 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E(title)).Append("</title>\n<style>\n").Append(Style).Append("\n</style>\n</head>\n<body>\n<main>\n")
            .Append("<h1>").Append(E(title)).Append("</h1>\n");
        Facts(html, new (string, string?)[]
        {
            ("Conversation", thread.Id),
            ("Model", thread.Model),
            ("Working directory", thread.WorkingDirectory),
            ("Created", CodexTranscriptMarkdown.Time(thread.CreatedAt)),
            ("Runtime", transcript.RuntimeVersion),
            ("Exported", CodexTranscriptMarkdown.Time(exportedAt)),
            ("Turns", transcript.Turns.Count.ToString(CultureInfo.InvariantCulture)),
        });

        foreach (var turn in transcript.Turns)
        {
            var info = turn.Turn;
            html.Append("<article class=\"turn\" id=\"turn-").Append(turn.Number).Append("\">\n<h2>Turn ").Append(turn.Number).Append("</h2>\n");
            Facts(html, new (string, string?)[]
            {
                ("Turn", info.Id),
                ("Status", info.Status),
                ("Started", CodexTranscriptMarkdown.Time(info.StartedAt)),
                ("Duration", info.Duration is { } d ? d.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s" : null),
                ("Error", info.Error is null ? null : info.ErrorInfo is null ? info.Error : $"{info.Error} ({info.ErrorInfo})"),
            });
            html.Append("<p class=\"usage\">Tokens: ");
            html.Append(CodexTranscriptMarkdown.Usage(turn.Usage) is { } usage ? E(usage) : "<span class=\"unknown\">not recorded</span>");
            html.Append("</p>\n");

            foreach (var item in info.Items)
            {
                if (CodexTranscriptEntry.From(item) is { } entry)
                {
                    WriteEntry(html, entry);
                }
            }

            if (turn.Approvals.Count > 0)
            {
                html.Append("<section class=\"entry approvals\">\n<h3>Approvals</h3>\n<ul>\n");
                foreach (var approval in turn.Approvals)
                {
                    var decision = approval.Decision ?? "no decision recorded";
                    html.Append("<li>").Append(E(approval.Method)).Append(": <span class=\"decision ").Append(E(approval.Decision ?? "none")).Append("\">")
                        .Append(E(decision)).Append("</span>");
                    if (approval.DecidedBy is { } by)
                    {
                        html.Append(" by ").Append(E(by));
                    }

                    if (approval.Subject is { } subject)
                    {
                        html.Append(" \u2014 <code>").Append(E(CodexTranscriptText.Clean(subject))).Append("</code>");
                    }

                    html.Append("</li>\n");
                }

                html.Append("</ul>\n</section>\n");
            }

            html.Append("</article>\n");
        }

        html.Append("</main>\n</body>\n</html>\n");
        writer.Write(html.ToString());
    }

    private static void WriteEntry(StringBuilder html, CodexTranscriptEntry entry)
    {
        html.Append("<section class=\"entry ").Append(entry.Kind).Append("\">\n<h3>").Append(E(entry.Title)).Append("</h3>\n");
        if (entry.Facts.Count > 0)
        {
            Facts(html, entry.Facts.Select(f => (f.Key, (string?)f.Value)).ToArray());
        }

        foreach (var block in entry.Blocks)
        {
            if (block.Label is { } label)
            {
                html.Append("<div class=\"label\">").Append(E(label)).Append("</div>\n");
            }

            if (block.Style == "markdown")
            {
                html.Append("<div class=\"message\">").Append(E(block.Text)).Append("</div>\n");
                continue;
            }

            var body = block.Style == "diff" ? DiffLines(block.Text) : E(block.Text);
            var pre = $"<pre class=\"{block.Style}\">{body}</pre>\n";
            if (block.Foldable && CodexTranscriptText.IsLong(block.Text))
            {
                html.Append("<details><summary>").Append(E(block.Label ?? "Text")).Append(": ")
                    .Append(CodexTranscriptText.LineCount(block.Text).ToString(CultureInfo.InvariantCulture)).Append(" lines (folded)</summary>\n")
                    .Append(pre).Append("</details>\n");
            }
            else
            {
                html.Append(pre);
            }
        }

        html.Append("</section>\n");
    }

    private static string DiffLines(string diff)
    {
        var html = new StringBuilder(diff.Length + 64);
        foreach (var line in diff.TrimEnd('\n').Split('\n'))
        {
            var kind = line.StartsWith("+++", StringComparison.Ordinal) || line.StartsWith("---", StringComparison.Ordinal) ? "hunk"
                : line.StartsWith('+') ? "add" : line.StartsWith('-') ? "del" : line.StartsWith("@@", StringComparison.Ordinal) ? "hunk" : null;
            if (kind is null)
            {
                html.Append(E(line)).Append('\n');
            }
            else
            {
                html.Append("<span class=\"").Append(kind).Append("\">").Append(E(line)).Append("</span>");
            }
        }

        return html.ToString();
    }

    private static void Facts(StringBuilder html, IReadOnlyList<(string Name, string? Value)> facts)
    {
        html.Append("<dl class=\"facts\">");
        foreach (var (name, value) in facts)
        {
            if (value is not null)
            {
                html.Append("<dt>").Append(E(name)).Append("</dt><dd>").Append(E(CodexTranscriptText.Clean(value))).Append("</dd>");
            }
        }

        html.Append("</dl>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
