using System.Text;
using System.Text.Json;
using CodexPS.Engine.Protocol;
using CodexPS.Engine.Transcripts;

namespace CodexPS.Engine.Tests;

public class TranscriptTests
{
    private static readonly DateTimeOffset ExportedAt = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static CodexTranscript Transcript(string itemsJson, CodexTokenUsage? usage = null, params CodexTranscriptApproval[] approvals)
    {
        using var thread = JsonDocument.Parse("""{"id":"thr_1","name":"<i>demo</i>","cwd":"/w","model":"gpt-5.5","cliVersion":"0.171.0","createdAt":1767322800}""");
        using var turn = JsonDocument.Parse($$"""{"id":"turn_1","status":"completed","startedAt":1767322800,"completedAt":1767322802,"durationMs":2000,"items":{{itemsJson}}}""");
        var info = new CodexTurnInfo("thr_1", turn.RootElement.Clone());
        return new CodexTranscript(new CodexThreadInfo(thread.RootElement.Clone(), null),
            new[] { new CodexTranscriptTurn(1, info, usage, approvals) }, usage is not null, null);
    }

    private static string Render(CodexTranscript transcript, CodexTranscriptFormat format)
    {
        using var stream = new MemoryStream();
        CodexTranscriptWriter.Write(stream, format, transcript, ExportedAt);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void TerminalEscapesAreRemovedAndOtherControlCharactersShown()
    {
        var text = "\u001b[1;31mred\u001b[0m \u001b]0;title\u0007plain \u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\ bell\u0007 \u009b2Jend\r\nnext";
        Assert.Equal("red plain link bell\u2407 end\nnext", CodexTranscriptText.Clean(text));
    }

    [Fact]
    public void AFenceIsLongerThanAnyRunOfBackticks()
    {
        Assert.Equal("```", CodexTranscriptText.Fence("no ticks, `one` or ``two``"));
        Assert.Equal("````", CodexTranscriptText.Fence("```powershell\nx\n```"));
        Assert.Equal("``````", CodexTranscriptText.Fence("a ````` b"));
    }

    [Fact]
    public void MarkdownOutsideFencesEscapesWhatCouldOpenMarkupOrHtml()
    {
        Assert.Equal("\\<script\\>x\\</script\\> \\*a\\* \\[l\\]\\(u\\) \\&amp; \\`c\\`", CodexTranscriptText.MarkdownInline("<script>x</script>\n*a* [l](u) &amp; `c`"));
    }

    [Fact]
    public void AnMcpCallShowsServerToolArgumentsAndResultEncoded()
    {
        var transcript = Transcript("""
            [{"type":"mcpToolCall","id":"m1","server":"tickets","tool":"open","status":"completed","arguments":{"id":"<b>7</b>"},
              "result":{"content":[{"type":"text","text":"<script>alert(1)</script> done"}]},"durationMs":12}]
            """);
        var html = Render(transcript, CodexTranscriptFormat.Html);
        Assert.Contains("<h3>MCP tool call</h3>", html, StringComparison.Ordinal);
        Assert.Contains("<dt>Server</dt><dd>tickets</dd><dt>Tool</dt><dd>open</dd>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; done", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Contains("<title>Codex transcript: &lt;i&gt;demo&lt;/i&gt;</title>", html, StringComparison.Ordinal);

        var markdown = Render(transcript, CodexTranscriptFormat.Markdown);
        Assert.Contains("### MCP tool call\n\n- Server: tickets\n- Tool: open\n", markdown, StringComparison.Ordinal);
        Assert.Contains("```text\n<script>alert(1)</script> done\n```", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void LongOutputIsFoldedInMarkdownAndHtmlAndWholeInJson()
    {
        var output = string.Join("\n", Enumerable.Range(1, 100)) + "\n";
        var item = JsonSerializer.Serialize(new object[] { new { type = "commandExecution", id = "c1", command = "seq 1 100", status = "completed", exitCode = 0, aggregatedOutput = output } });
        var transcript = Transcript(item);

        var markdown = Render(transcript, CodexTranscriptFormat.Markdown);
        Assert.Contains("\n40\n```\n\n> \u2026 folded: 60 more lines (100 in all)", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("\n41\n", markdown, StringComparison.Ordinal);

        var html = Render(transcript, CodexTranscriptFormat.Html);
        Assert.Contains("<details><summary>Output: 100 lines (folded)</summary>", html, StringComparison.Ordinal);
        Assert.Contains("\n100\n</pre>\n</details>", html, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(Render(transcript, CodexTranscriptFormat.Json));
        var turn = json.RootElement.GetProperty("turns")[0];
        Assert.Equal(output, turn.GetProperty("items")[0].GetProperty("aggregatedOutput").GetString());
        Assert.Equal(JsonValueKind.Null, turn.GetProperty("usage").ValueKind);
        Assert.False(json.RootElement.GetProperty("conversation").GetProperty("usageRecorded").GetBoolean());
    }

    [Fact]
    public void UnknownUsageIsSaidToBeUnknownAndKnownUsageIsShown()
    {
        var none = Render(Transcript("[]"), CodexTranscriptFormat.Markdown);
        Assert.Contains("- Tokens: not recorded\n", none, StringComparison.Ordinal);
        var some = Render(Transcript("[]", new CodexTokenUsage(100, 20, 7, 3, 107)), CodexTranscriptFormat.Markdown);
        Assert.Contains("- Tokens: input 100 \\(cached 20\\), output 7 \\(reasoning 3\\), total 107\n", some, StringComparison.Ordinal);
    }

    [Fact]
    public void ApprovalsAreListedWithTheirDecisionsOrTheLackOfOne()
    {
        var transcript = Transcript("[]", null,
            new CodexTranscriptApproval("turn_1", "c1", "item/commandExecution/requestApproval", "rm -rf <x>", "Decline", "ApprovalHandler", ExportedAt),
            new CodexTranscriptApproval("turn_1", "c2", "item/fileChange/requestApproval", null, null, null, ExportedAt));
        var markdown = Render(transcript, CodexTranscriptFormat.Markdown);
        Assert.Contains("- item/commandExecution/requestApproval: **Decline** by ApprovalHandler \u2014 rm -rf \\<x\\>\n", markdown, StringComparison.Ordinal);
        Assert.Contains("- item/fileChange/requestApproval: **no decision recorded**\n", markdown, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(Render(transcript, CodexTranscriptFormat.Json));
        var approvals = json.RootElement.GetProperty("turns")[0].GetProperty("approvals");
        Assert.Equal("Decline", approvals[0].GetProperty("decision").GetString());
        Assert.Equal(JsonValueKind.Null, approvals[1].GetProperty("decision").ValueKind);
    }

    [Fact]
    public void UsagePerTurnIsTheTurnTotalOfTheLastUsageRecord()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, new[]
            {
                """{"type":"event_msg","payload":{"type":"task_started","turn_id":"t1"}}""",
                """{"type":"token_usage_record","payload":{"turn_id":"t1","usage":{"input_tokens":100,"output_tokens":5},"turn_token_usage":{"input_tokens":100,"cached_input_tokens":0,"output_tokens":5,"reasoning_output_tokens":0,"total_tokens":105}}}""",
                """{"type":"token_usage_record","payload":{"turn_id":"t1","usage":{"input_tokens":200,"output_tokens":9},"turn_token_usage":{"input_tokens":300,"cached_input_tokens":40,"output_tokens":14,"reasoning_output_tokens":2,"total_tokens":314}}}""",
                """{"type":"event_msg","payload":{"type":"task_complete","turn_id":"t1"}}""",
                """{"type":"event_msg","payload":{"type":"task_started","turn_id":"t2"}}""",
                """{"type":"event_msg","payload":{"type":"task_complete","turn_id":"t2"}}""",
                """{"type":"token_usage_re""",
            });
            var usage = CodexTranscriptRolloutUsage.Read(path);
            Assert.Equal(new CodexTokenUsage(300, 40, 14, 2, 314), usage["t1"]);
            Assert.False(usage.ContainsKey("t2"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WithoutUsageRecordsTheRunningTotalsGiveEachTurnAndARepeatedReportAddsNothing()
    {
        static string Count(int input, int output) =>
            "{\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":{\"total_token_usage\":{\"input_tokens\":" + input +
            ",\"cached_input_tokens\":0,\"output_tokens\":" + output + ",\"reasoning_output_tokens\":0,\"total_tokens\":" + (input + output) + "}}}}";
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, new[]
            {
                """{"type":"event_msg","payload":{"type":"task_started","turn_id":"t1"}}""",
                Count(100, 10),
                Count(100, 10),
                """{"type":"event_msg","payload":{"type":"task_complete","turn_id":"t1"}}""",
                """{"type":"event_msg","payload":{"type":"task_started","turn_id":"t2"}}""",
                Count(250, 15),
                """{"type":"event_msg","payload":{"type":"task_complete","turn_id":"t2"}}""",
            });
            var usage = CodexTranscriptRolloutUsage.Read(path);
            Assert.Equal(new CodexTokenUsage(100, 0, 10, 0, 110), usage["t1"]);
            Assert.Equal(new CodexTokenUsage(150, 0, 5, 0, 155), usage["t2"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ALongFirstPromptMakesAShortOneLineTitle()
    {
        var preview = "line one\n" + new string('x', 300);
        using var thread = JsonDocument.Parse(JsonSerializer.Serialize(new { id = "thr_2", preview }));
        var transcript = new CodexTranscript(new CodexThreadInfo(thread.RootElement.Clone(), null), Array.Empty<CodexTranscriptTurn>(), false, null);
        Assert.Equal(120, transcript.Title.Length);
        Assert.StartsWith("line one xxx", transcript.Title, StringComparison.Ordinal);
        Assert.EndsWith("x\u2026", transcript.Title, StringComparison.Ordinal);
        var markdown = Render(transcript, CodexTranscriptFormat.Markdown);
        Assert.StartsWith("# Codex transcript: line one xxx", markdown, StringComparison.Ordinal);
        Assert.Contains("- Turns: 0\n", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void AddedAndDeletedFilesAreShownAsDiffs()
    {
        var transcript = Transcript("""
            [{"type":"fileChange","id":"f1","status":"completed","changes":[
              {"path":"/w/new.txt","kind":{"type":"add"},"diff":"one\ntwo\n"},
              {"path":"/w/old.txt","kind":{"type":"delete"},"diff":"gone\n"},
              {"path":"/w/a.txt","kind":{"type":"update","move_path":"/w/b.txt"},"diff":"@@ -1 +1 @@\n-x\n+y\n"}]}]
            """);
        var markdown = Render(transcript, CodexTranscriptFormat.Markdown);
        Assert.Contains("```diff\n--- /dev/null\n+++ /w/new.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n```", markdown, StringComparison.Ordinal);
        Assert.Contains("```diff\n--- /w/old.txt\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-gone\n```", markdown, StringComparison.Ordinal);
        Assert.Contains("Update /w/a.txt -\\> /w/b.txt:\n\n```diff\n@@ -1 +1 @@\n-x\n+y\n```", markdown, StringComparison.Ordinal);
    }
}
