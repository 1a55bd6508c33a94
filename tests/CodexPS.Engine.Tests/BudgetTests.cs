using System.Collections;
using System.Text.Json;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Pricing;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Tests;

/// <summary>
/// Budgets on the turn's event path, against a scripted runtime (FakePeer): what passes a budget, what is counted, that the
/// stop is one turn/interrupt through the turn's own stop path, and that every event up to the interrupted end is kept.
/// </summary>
public sealed class BudgetTests
{
    private const string Thread = "thr_budget";
    private const string TurnId = "turn_budget";

    [Fact]
    public async Task TokensPastMaxTokensInterruptTheTurnOnceAndKeepEveryEventUpToItsEnd()
    {
        await using var fake = new FakePeer();
        var peer = new Inbox(fake);
        var client = NewClient(fake);
        try
        {
            var (_, turn) = await StartTurnAsync(peer, client, new CodexTurnOptions { MaxTokens = 1000 });
            await peer.WriteLineAsync(Delta("Looking"));
            await peer.WriteLineAsync(Usage(total: 600, input: 500, cached: 0, output: 100));
            // Exactly at the limit is not past it; a repeated report (the thread total did not grow) is not counted again.
            await peer.WriteLineAsync(Usage(total: 1000, input: 300, cached: 0, output: 100));
            await peer.WriteLineAsync(Usage(total: 1000, input: 300, cached: 0, output: 100));
            await AssertNothingSentAsync(peer);
            await peer.WriteLineAsync(Usage(total: 1001, input: 1, cached: 0, output: 0));

            var interrupt = await peer.ReadMessageAsync();
            Assert.Equal("turn/interrupt", interrupt.GetProperty("method").GetString());
            Assert.Equal(Thread, interrupt.GetProperty("params").GetProperty("threadId").GetString());
            Assert.Equal(TurnId, interrupt.GetProperty("params").GetProperty("turnId").GetString());
            await peer.WriteLineAsync($"{{\"id\":{interrupt.GetProperty("id").GetInt64()},\"result\":{{}}}}");

            // What the runtime still sends before the interrupted end reaches the consumer too.
            await peer.WriteLineAsync(Delta(" around."));
            await peer.WriteLineAsync(Completed("interrupted"));
            var events = await ReadAllAsync(turn);

            Assert.Equal(new[] { "Looking", " around." }, events.OfType<DeltaEvent>().Select(d => d.Delta));
            var exceeded = Assert.Single(events.OfType<BudgetExceededEvent>());
            Assert.Equal(CodexBudgetLimit.MaxTokens, exceeded.Limit);
            Assert.Equal(1000L, exceeded.LimitValue);
            Assert.Equal(1001L, exceeded.Measured);
            Assert.Equal(TurnId, exceeded.TurnId);
            Assert.Equal(CodexEventKind.BudgetExceeded, exceeded.Kind);
            var index = events.IndexOf(exceeded);
            Assert.Equal(1001, Assert.IsType<TokenUsageEvent>(events[index - 1]).Total!.TotalTokens);
            Assert.Equal(CodexTurnStatus.Interrupted, Assert.IsType<TurnCompletedEvent>(events[^1]).Status);
            Assert.Same(exceeded, turn.Result.BudgetExceeded);
            Assert.Equal("CodexBudgetExceeded", exceeded.ToException().ErrorId);
            Assert.Contains("1001", exceeded.ToException().Message, StringComparison.Ordinal);
            // No prices: the cost is unknown, never 0.
            Assert.Null(turn.Result.CostUsd);
            await AssertNothingSentAsync(peer);
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task ACostBudgetStopsAtTheRequestThePricesSayPassesItAndTheCostIsExact()
    {
        await using var fake = new FakePeer();
        var peer = new Inbox(fake);
        var client = NewClient(fake, Prices());
        try
        {
            var (_, turn) = await StartTurnAsync(peer, client, new CodexTurnOptions { MaxCostUsd = 0.01m });
            // (2000 − 1000 cached) × $2 + 1000 × $0.5 + 500 × $8, per million: $0.0065 a request.
            await peer.WriteLineAsync(Usage(total: 2500, input: 2000, cached: 1000, output: 500));
            await AssertNothingSentAsync(peer);
            await peer.WriteLineAsync(Usage(total: 5000, input: 2000, cached: 1000, output: 500));
            var interrupt = await peer.ReadMessageAsync();
            Assert.Equal("turn/interrupt", interrupt.GetProperty("method").GetString());
            await peer.WriteLineAsync(Completed("interrupted"));
            var events = await ReadAllAsync(turn);

            var exceeded = Assert.Single(events.OfType<BudgetExceededEvent>());
            Assert.Equal(CodexBudgetLimit.MaxCostUsd, exceeded.Limit);
            Assert.Equal(0.01m, exceeded.LimitValue);
            Assert.Equal(0.013m, exceeded.Measured);
            Assert.Equal(0.013m, turn.Result.CostUsd);
            Assert.Equal(0.013m, events.OfType<TurnCompletedEvent>().Single().CostUsd);
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task TheToolCallPastMaxToolCallsStopsTheTurnAndLaterRequestsAreDeclined()
    {
        await using var fake = new FakePeer();
        var peer = new Inbox(fake);
        var client = NewClient(fake);
        try
        {
            var (_, turn) = await StartTurnAsync(peer, client, new CodexTurnOptions { MaxToolCalls = 2 });
            await peer.WriteLineAsync(ItemStarted("cmd_1", "commandExecution"));
            await peer.WriteLineAsync(ItemStarted("msg_1", "agentMessage"));
            await peer.WriteLineAsync(ItemStarted("fc_1", "fileChange"));
            await AssertNothingSentAsync(peer);
            await peer.WriteLineAsync(ItemStarted("mcp_1", "mcpToolCall"));
            var interrupt = await peer.ReadMessageAsync();
            Assert.Equal("turn/interrupt", interrupt.GetProperty("method").GetString());

            // An approval the runtime still asks for in the stopping turn is declined at once, not put to anyone.
            await peer.WriteLineAsync($"{{\"id\":7,\"method\":\"item/commandExecution/requestApproval\",\"params\":{{\"threadId\":\"{Thread}\",\"turnId\":\"{TurnId}\",\"itemId\":\"cmd_2\",\"command\":\"rm -rf x\"}}}}");
            var answer = await peer.ReadMessageAsync();
            Assert.Equal(7, answer.GetProperty("id").GetInt32());
            Assert.Equal("decline", answer.GetProperty("result").GetProperty("decision").GetString());

            await peer.WriteLineAsync(Completed("interrupted"));
            var events = await ReadAllAsync(turn);
            var exceeded = Assert.Single(events.OfType<BudgetExceededEvent>());
            Assert.Equal(CodexBudgetLimit.MaxToolCalls, exceeded.Limit);
            Assert.Equal(2, exceeded.LimitValue);
            Assert.Equal(3, exceeded.Measured);
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task AConversationBudgetCountsAcrossTurnsStopsTheTurnThatPassesItAndRefusesTheNext()
    {
        await using var fake = new FakePeer();
        var peer = new Inbox(fake);
        var client = NewClient(fake);
        try
        {
            var (conversation, first) = await StartTurnAsync(peer, client, new CodexTurnOptions(), tokenBudget: 1500);
            await peer.WriteLineAsync(Usage(total: 800, input: 700, cached: 0, output: 100));
            await peer.WriteLineAsync(Completed("completed"));
            Assert.Empty((await ReadAllAsync(first)).OfType<BudgetExceededEvent>());
            Assert.Equal(800, conversation.BudgetTokensUsed);

            var second = await NextTurnAsync(peer, conversation, new CodexTurnOptions(), "turn_2");
            await peer.WriteLineAsync(Usage(total: 1600, input: 700, cached: 0, output: 100, turnId: "turn_2"));
            var interrupt = await peer.ReadMessageAsync();
            Assert.Equal("turn_2", interrupt.GetProperty("params").GetProperty("turnId").GetString());
            await peer.WriteLineAsync(Completed("interrupted", "turn_2"));
            var exceeded = Assert.Single((await ReadAllAsync(second)).OfType<BudgetExceededEvent>());
            Assert.Equal(CodexBudgetLimit.TokenBudget, exceeded.Limit);
            Assert.Equal(1500L, exceeded.LimitValue);
            Assert.Equal(1600L, exceeded.Measured);

            // Nothing left: the next turn is refused before anything is sent.
            var refused = await Assert.ThrowsAsync<CodexException>(() => conversation.StartTurnAsync("more", null, CancellationToken.None));
            Assert.Equal("CodexBudgetExceeded", refused.ErrorId);
            await AssertNothingSentAsync(peer);

            // A raised budget lets the conversation go on.
            conversation.TokenBudget = 10_000;
            var third = await NextTurnAsync(peer, conversation, new CodexTurnOptions(), "turn_3");
            await peer.WriteLineAsync(Completed("completed", "turn_3"));
            Assert.Equal(CodexTurnStatus.Completed, Assert.IsType<TurnCompletedEvent>((await ReadAllAsync(third))[^1]).Status);
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task MaxDurationStopsATurnThatRunsTooLongEvenWhenTheRuntimeSaysNothing()
    {
        await using var fake = new FakePeer();
        var peer = new Inbox(fake);
        var client = NewClient(fake);
        try
        {
            var (_, turn) = await StartTurnAsync(peer, client, new CodexTurnOptions { MaxDuration = TimeSpan.FromMilliseconds(300) });
            var interrupt = await peer.ReadMessageAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("turn/interrupt", interrupt.GetProperty("method").GetString());
            await peer.WriteLineAsync(Completed("interrupted"));
            var events = await ReadAllAsync(turn);
            var exceeded = Assert.Single(events.OfType<BudgetExceededEvent>());
            Assert.Equal(CodexBudgetLimit.MaxDuration, exceeded.Limit);
            Assert.True((TimeSpan)exceeded.Measured >= TimeSpan.FromMilliseconds(300));
            // Queued before the end it caused.
            Assert.IsType<TurnCompletedEvent>(events[^1]);
            Assert.True(events.IndexOf(exceeded) < events.Count - 1);
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task ATurnWithoutBudgetsOrPricesHasNoBudgetKeeperAndACostLimitWithoutAPriceIsRefused()
    {
        await using var fake = new FakePeer();
        var peer = new Inbox(fake);
        var client = NewClient(fake);
        try
        {
            var (conversation, turn) = await StartTurnAsync(peer, client, new CodexTurnOptions());
            Assert.Null(turn.Budget);
            await peer.WriteLineAsync(Usage(total: 10, input: 5, cached: 0, output: 5));
            await peer.WriteLineAsync(Completed("completed"));
            var completed = (await ReadAllAsync(turn)).OfType<TurnCompletedEvent>().Single();
            Assert.Null(completed.CostUsd);
            Assert.Equal(0, conversation.BudgetTokensUsed);

            var refused = await Assert.ThrowsAsync<CodexException>(() => conversation.StartTurnAsync("costly", new CodexTurnOptions { MaxCostUsd = 1m }, CancellationToken.None));
            Assert.Equal("CodexPricingMissing", refused.ErrorId);
            Assert.Contains("gpt-test", refused.Message, StringComparison.Ordinal);
            await AssertNothingSentAsync(peer);
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public void PricesAreReadFromATableOrAJsonFileAndABadEntryIsNamed()
    {
        var pricing = Prices();
        Assert.Equal(new CodexModelPrice("gpt-test", 2m, 0.5m, 8m), pricing.Find("GPT-TEST"));
        Assert.Null(pricing.Find("other-model"));
        Assert.Equal(0.0065m, pricing.Find("gpt-test")!.Cost(new CodexTokenUsage(2000, 1000, 500, 0, 2500)));

        var file = Path.Combine(Path.GetTempPath(), $"codexps-prices-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(file, "{ \"gpt-test\": { \"input\": 1.25, \"cachedInput\": 0.125, \"output\": 10 } }");
            Assert.Equal(new CodexModelPrice("gpt-test", 1.25m, 0.125m, 10m), CodexPricing.FromJsonFile(file).Find("gpt-test"));

            File.WriteAllText(file, "{ \"gpt-test\": { \"input\": 1, \"cachedInput\": 1, \"output\": -2 } }");
            var negative = Assert.Throws<CodexPricingException>(() => CodexPricing.FromJsonFile(file));
            Assert.Equal(("CodexPricingInvalid", "gpt-test"), (negative.ErrorId, negative.Entry));

            File.WriteAllText(file, "[1, 2]");
            Assert.Equal(file, Assert.Throws<CodexPricingException>(() => CodexPricing.FromJsonFile(file)).Entry);
        }
        finally
        {
            File.Delete(file);
        }

        var missing = Assert.Throws<CodexPricingException>(() => CodexPricing.FromDictionary(new Hashtable { ["m1"] = new Hashtable { ["Input"] = 1, ["Output"] = 2 } }));
        Assert.Equal("m1", missing.Entry);
        Assert.Contains("CachedInput", missing.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<CodexPricingException>(() => CodexPricing.FromDictionary(new Hashtable { ["m2"] = new Hashtable { ["Input"] = 1, ["CachedInput"] = 1, ["Output"] = 2, ["Reasoning"] = 3 } }));
        Assert.Contains("Reasoning", unknown.Message, StringComparison.Ordinal);
        var notNumber = Assert.Throws<CodexPricingException>(() => CodexPricing.FromDictionary(new Hashtable { ["m3"] = new Hashtable { ["Input"] = "cheap", ["CachedInput"] = 1, ["Output"] = 2 } }));
        Assert.Equal("m3", notNumber.Entry);
        Assert.Throws<CodexPricingException>(() => CodexPricing.FromDictionary(new Hashtable { ["m4"] = new Hashtable { ["Input"] = true, ["CachedInput"] = 1, ["Output"] = 2 } }));
        Assert.Throws<CodexPricingException>(() => CodexPricing.FromDictionary(new Hashtable { ["m5"] = 3 }));
        Assert.Throws<CodexPricingException>(() => CodexPricing.FromDictionary(new Hashtable()));
    }

    private static CodexPricing Prices() =>
        CodexPricing.FromDictionary(new Hashtable { ["gpt-test"] = new Hashtable { ["Input"] = 2, ["CachedInput"] = 0.5, ["Output"] = 8 } });

    private static CodexClient NewClient(FakePeer peer, CodexPricing? pricing = null) =>
        CodexClient.OverStreams(peer.ClientInput, peer.ClientOutput, new CodexClientOptions
        {
            RequestTimeout = TimeSpan.FromSeconds(30),
            ResponseTimeout = null,
            Pricing = pricing,
        });

    private static async Task<(CodexConversation Conversation, CodexTurn Turn)> StartTurnAsync(Inbox peer, CodexClient client, CodexTurnOptions options, long? tokenBudget = null)
    {
        var starting = client.StartConversationAsync(new CodexConversationOptions { WorkingDirectory = Path.GetTempPath(), TokenBudget = tokenBudget }, CancellationToken.None);
        var request = await peer.ReadMessageAsync();
        Assert.Equal("thread/start", request.GetProperty("method").GetString());
        await peer.WriteLineAsync($"{{\"id\":{request.GetProperty("id").GetInt64()},\"result\":{{\"thread\":{{\"id\":\"{Thread}\"}},\"model\":\"gpt-test\"}}}}");
        var conversation = await starting.WaitAsync(TimeSpan.FromSeconds(5));
        return (conversation, await NextTurnAsync(peer, conversation, options, TurnId));
    }

    private static async Task<CodexTurn> NextTurnAsync(Inbox peer, CodexConversation conversation, CodexTurnOptions options, string turnId)
    {
        var starting = conversation.StartTurnAsync("go", options, CancellationToken.None);
        var request = await peer.ReadMessageAsync();
        Assert.Equal("turn/start", request.GetProperty("method").GetString());
        await peer.WriteLineAsync($"{{\"id\":{request.GetProperty("id").GetInt64()},\"result\":{{\"turn\":{{\"id\":\"{turnId}\",\"status\":\"inProgress\"}}}}}}");
        var turn = await starting.WaitAsync(TimeSpan.FromSeconds(5));
        await peer.WriteLineAsync($"{{\"method\":\"turn/started\",\"params\":{{\"threadId\":\"{Thread}\",\"turn\":{{\"id\":\"{turnId}\",\"status\":\"inProgress\"}}}}}}");
        return turn;
    }

    private static async Task<List<CodexEvent>> ReadAllAsync(CodexTurn turn)
    {
        var events = new List<CodexEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var evt in turn.ReadEventsAsync(timeout.Token))
        {
            events.Add(evt);
        }

        return events;
    }

    /// <summary>The client sends nothing (no interrupt) for a moment after what the peer wrote.</summary>
    private static async Task AssertNothingSentAsync(Inbox peer)
    {
        Assert.False(await peer.AnyWithinAsync(TimeSpan.FromMilliseconds(300)), "the client sent something");
    }

    /// <summary>
    /// What the client sends, read by one loop: a read given up on a timeout would otherwise swallow the next line.
    /// </summary>
    private sealed class Inbox
    {
        private readonly FakePeer _peer;
        private readonly System.Threading.Channels.Channel<JsonElement> _messages = System.Threading.Channels.Channel.CreateUnbounded<JsonElement>();

        public Inbox(FakePeer peer)
        {
            _peer = peer;
            _ = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        _messages.Writer.TryWrite(await peer.ReadMessageAsync(TimeSpan.FromDays(1)));
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    _messages.Writer.TryComplete();
                }
            });
        }

        public Task WriteLineAsync(string json) => _peer.WriteLineAsync(json);

        public async Task<JsonElement> ReadMessageAsync(TimeSpan? timeout = null)
        {
            using var wait = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
            return await _messages.Reader.ReadAsync(wait.Token);
        }

        public async Task<bool> AnyWithinAsync(TimeSpan time)
        {
            using var wait = new CancellationTokenSource(time);
            try
            {
                return await _messages.Reader.WaitToReadAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    private static string Usage(long total, long input, long cached, long output, string turnId = TurnId) =>
        $"{{\"method\":\"thread/tokenUsage/updated\",\"params\":{{\"threadId\":\"{Thread}\",\"turnId\":\"{turnId}\",\"tokenUsage\":{{" +
        $"\"total\":{{\"inputTokens\":{total},\"cachedInputTokens\":0,\"outputTokens\":0,\"reasoningOutputTokens\":0,\"totalTokens\":{total}}}," +
        $"\"last\":{{\"inputTokens\":{input},\"cachedInputTokens\":{cached},\"outputTokens\":{output},\"reasoningOutputTokens\":0,\"totalTokens\":{input + output}}}," +
        "\"modelContextWindow\":null}}}";

    private static string Delta(string text) =>
        $"{{\"method\":\"item/agentMessage/delta\",\"params\":{{\"threadId\":\"{Thread}\",\"turnId\":\"{TurnId}\",\"itemId\":\"msg_1\",\"delta\":{JsonSerializer.Serialize(text)}}}}}";

    private static string ItemStarted(string id, string type) =>
        $"{{\"method\":\"item/started\",\"params\":{{\"threadId\":\"{Thread}\",\"turnId\":\"{TurnId}\",\"item\":{{\"id\":\"{id}\",\"type\":\"{type}\"}}}}}}";

    private static string Completed(string status, string turnId = TurnId) =>
        $"{{\"method\":\"turn/completed\",\"params\":{{\"threadId\":\"{Thread}\",\"turn\":{{\"id\":\"{turnId}\",\"status\":\"{status}\"}}}}}}";
}
