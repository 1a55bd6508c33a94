using System.Text;
using System.Text.Json;
using CodexPS.Engine.Cassettes;
using CodexPS.Engine.Mock;

namespace CodexPS.Engine.Tests;

public class CassetteTests
{
    private static CodexCassetteException Invalid(string text) =>
        Assert.Throws<CodexCassetteException>(() => CodexCassette.Parse(Encoding.UTF8.GetBytes(text), "c.json"));

    [Fact]
    public void AWrongVersionNamesTheLineOfTheVersion()
    {
        var error = Invalid("{\n  \"format\": \"codexps.cassette\",\n  \"version\": 7,\n  \"requests\": []\n}");
        Assert.Equal(3, error.LineNumber);
        Assert.Equal("CodexCassetteInvalid", error.ErrorId);
        Assert.Contains("version 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TextThatIsNotJsonOrIsCutShortNamesItsLine()
    {
        Assert.Equal(2, Invalid("{\n oops\n}").LineNumber);
        var truncated = Invalid("{\n\"format\": \"codexps.cassette\",\n\"version\": 1,\n\"requests\": [\n{\"output\": [");
        Assert.Equal(5, truncated.LineNumber);
        Assert.Null(Invalid(string.Empty).LineNumber);
    }

    [Fact]
    public void ARequestThatCannotBeReplayedNamesTheLineOfItsItem()
    {
        var error = Invalid("{\"format\": \"codexps.cassette\", \"version\": 1, \"requests\": [\n {\"output\": []},\n {\"output\": [\n  {\"type\": \"message\"}\n ]}\n]}");
        Assert.Equal(4, error.LineNumber);
        Assert.Contains("request 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACassetteSurvivesWritingAndReading()
    {
        var cassette = new CodexCassette
        {
            ConversationId = "t-1",
            Requests = new[]
            {
                new CodexCassetteExchange
                {
                    Turn = 1,
                    Request = new CodexCassetteRequest(new[] { "hi" }, Array.Empty<string>()),
                    Output = new[] { System.Text.Json.Nodes.JsonNode.Parse("{\"type\":\"function_call\",\"name\":\"exec_command\",\"call_id\":\"c1\",\"arguments\":{\"cmd\":\"ls\"}}")!.AsObject() },
                    Usage = new MockUsage(10, 2, 1, 0),
                    RateLimits = new MockRateLimits(12.5, 300, 1893456000),
                },
            },
        };
        var back = CodexCassette.Parse(Encoding.UTF8.GetBytes(cassette.ToJson()), "mem");
        var exchange = Assert.Single(back.Requests);
        Assert.Equal(new[] { "hi" }, exchange.Request.Prompt);
        Assert.Equal(new MockUsage(10, 2, 1, 0), exchange.Usage);
        Assert.Equal(12.5, exchange.RateLimits!.PrimaryUsedPercent);
        Assert.Null(exchange.RateLimits.SecondaryUsedPercent);
        Assert.Equal(new[] { "ls" }, exchange.Commands);
        var wire = CodexCassetteItems.ToWire(exchange.Output[0], 1, 0);
        Assert.Equal("{\"cmd\":\"ls\"}", (string?)wire["arguments"]);
    }

    [Fact]
    public void NormalisationRemovesTimingSessionNumbersAndTheWorkspace()
    {
        var text = "Chunk ID: ab12\r\nWall time: 0.0021 seconds\r\nProcess running with session ID 4711\r\nOutput:\r\n/tmp/ws-1/a.txt\r\n";
        Assert.Equal("Process running with session ID {n}\nOutput:\n{cwd}/a.txt", CodexCassetteRequest.Normalize(text, "/tmp/ws-1"));
    }

    [Fact]
    public void AMaskMatchesAnyTextAndAnythingElseMustBeEqual()
    {
        var recorded = new CodexCassetteRequest(new[] { "deploy with ***" }, new[] { "ok" });
        Assert.Null(recorded.Compare(new CodexCassetteRequest(new[] { "deploy with hunter2" }, new[] { "ok" }), new[] { "***" }));
        var difference = recorded.Compare(new CodexCassetteRequest(new[] { "deploy with hunter2" }, new[] { "not ok" }), new[] { "***" });
        Assert.NotNull(difference);
        Assert.Contains("recorded: 'ok'", difference, StringComparison.Ordinal);
        Assert.Contains("received: 'not ok'", difference, StringComparison.Ordinal);
        Assert.NotNull(recorded.Compare(new CodexCassetteRequest(new[] { "remove with hunter2" }, new[] { "ok" }), new[] { "***" }));
    }

    [Fact]
    public void TheRequestViewTakesTheNewItemsAndLeavesTheRuntimesContextOut()
    {
        using var body = JsonDocument.Parse("""
            {"input":[
              {"type":"message","role":"developer","content":[{"type":"input_text","text":"rules"}]},
              {"type":"message","role":"user","content":[{"type":"input_text","text":"<environment_context>\n  <cwd>/w</cwd>\n</environment_context>"}]},
              {"type":"message","role":"user","content":[{"type":"input_text","text":"first"}]},
              {"type":"function_call","name":"exec_command","call_id":"c1","arguments":"{}"},
              {"type":"function_call_output","call_id":"c1","output":"Wall time: 1 seconds\n/w/x"}
            ]}
            """);
        var view = CodexCassetteRequest.FromRequestBody(body.RootElement);
        Assert.Empty(view.Prompt);
        Assert.Equal(new[] { "{cwd}/x" }, view.ToolOutputs);
    }

    [Fact]
    public void TheRolloutGivesEachResponseItsInputsUsageAndRateLimits()
    {
        var path = Path.Combine(Path.GetTempPath(), "codexps-rollout-" + Guid.NewGuid().ToString("N") + ".jsonl");
        File.WriteAllLines(path, new[]
        {
            """{"type":"session_meta","payload":{"id":"t-9","cli_version":"0.171.0","cwd":"/w"}}""",
            """{"type":"event_msg","payload":{"type":"task_started"}}""",
            """{"type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"run it with Authorization: Bearer sk-abcdefgh123"}]}}""",
            """{"type":"response_item","payload":{"type":"function_call","id":"fc1","name":"exec_command","call_id":"c1","arguments":"{\"cmd\":\"echo hi\",\"api_key\":\"k-1\"}"}}""",
            """{"type":"token_usage_record","payload":{"usage":{"input_tokens":100,"cached_input_tokens":5,"output_tokens":7,"reasoning_output_tokens":1}}}""",
            """{"type":"response_item","payload":{"type":"function_call_output","call_id":"c1","output":"hi"}}""",
            """{"type":"event_msg","payload":{"type":"token_count","rate_limits":{"primary":{"used_percent":40,"window_minutes":300,"resets_at":99},"secondary":null}}}""",
            """{"type":"response_item","payload":{"type":"message","role":"assistant","phase":"final_answer","content":[{"type":"output_text","text":"done"}]}}""",
            """{"type":"token_usage_record","payload":{"usage":{"input_tokens":200,"output_tokens":1}}}""",
            """{"type":"event_msg","payload":{"type":"token_count","rate_limits":{"primary":null,"secondary":null}}}""",
        });
        try
        {
            var cassette = CodexCassetteRollout.Read(path, new CodexCassetteRedactor(Array.Empty<Func<string, string>>(), Array.Empty<string>()));
            Assert.Equal("t-9", cassette.ConversationId);
            Assert.Equal(2, cassette.Requests.Count);
            var first = cassette.Requests[0];
            Assert.Equal(1, first.Turn);
            Assert.Equal(new[] { "run it with Authorization: ***" }, first.Request.Prompt);
            Assert.Equal("***", (string?)first.Output[0]["arguments"]!["api_key"]);
            Assert.Equal(new[] { "echo hi" }, first.Commands);
            Assert.Equal(new MockUsage(100, 7, 5, 1), first.Usage);
            Assert.Equal(40, first.RateLimits!.PrimaryUsedPercent);
            var second = cassette.Requests[1];
            Assert.Equal(new[] { "hi" }, second.Request.ToolOutputs);
            Assert.Equal("done", (string?)second.Output[0]["text"]);
            Assert.Equal("final_answer", (string?)second.Output[0]["phase"]);
            Assert.Null(second.RateLimits);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ThePlayerServesInOrderThenFailsExhausted()
    {
        var cassette = new CodexCassette
        {
            Requests = new[] { new CodexCassetteExchange { Turn = 1, Output = new[] { System.Text.Json.Nodes.JsonNode.Parse("{\"type\":\"message\",\"text\":\"a\"}")!.AsObject() } } },
        };
        var player = new CodexCassettePlayer(cassette, strict: true);
        var request = new MockRequest(DateTimeOffset.Now, "POST", "/v1/responses", new Dictionary<string, string>(), "{\"input\":[]}");
        var warnings = new List<string>();
        Assert.Equal(MockResponseKind.Recorded, player.Respond(request, 1, warnings.Add).Kind);
        var exhausted = player.Respond(request, 2, warnings.Add);
        Assert.Equal(MockResponseKind.HttpError, exhausted.Kind);
        Assert.Contains("CodexCassetteExhausted", exhausted.Body, StringComparison.Ordinal);
        Assert.Empty(warnings);
    }
}
