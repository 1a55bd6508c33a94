using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Tests;

/// <summary>The one event factory, which live turns and replays share.</summary>
public sealed class EventFactoryTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    private static JsonElement Params(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Theory]
    [InlineData("item/agentMessage/delta", CodexEventKind.AgentMessageDelta)]
    [InlineData("item/commandExecution/outputDelta", CodexEventKind.CommandOutputDelta)]
    [InlineData("item/reasoning/summaryTextDelta", CodexEventKind.ReasoningDelta)]
    [InlineData("item/reasoning/textDelta", CodexEventKind.ReasoningDelta)]
    public void EachDeltaMethodHasItsKindAndCreateBuildsItToo(string method, CodexEventKind kind)
    {
        Assert.Equal(kind, CodexEventFactory.DeltaKindOf(method));
        var factory = new CodexEventFactory("c1");
        var delta = Assert.IsType<DeltaEvent>(factory.Create(method, Params("""{"threadId":"c1","turnId":"t1","itemId":"i1","delta":"hi"}"""), At, null));
        Assert.Equal(kind, delta.Kind);
        Assert.Equal(("c1", "t1", "i1", "hi", At), (delta.ConversationId, delta.TurnId, delta.ItemId, delta.Delta, delta.Timestamp));
    }

    [Theory]
    [InlineData("item/completed")]
    [InlineData("turn/started")]
    [InlineData("item/agentMessage/deltas")]
    public void OtherMethodsAreNoDeltas(string method)
    {
        Assert.Null(CodexEventFactory.DeltaKindOf(method));
    }

    [Fact]
    public void EachMethodBuildsItsTypeAndTheTurnFallsBackToTheOneGiven()
    {
        var factory = new CodexEventFactory("c1");
        var started = factory.Create("turn/started", Params("""{"threadId":"c1","turn":{"id":"sub","rootTurnId":"review"}}"""), At, null);
        Assert.IsType<TurnStartedEvent>(started);
        Assert.Equal("review", started.TurnId);

        var item = Assert.IsType<ItemEvent>(factory.Create("item/completed", Params("""{"threadId":"c1","turnId":"t1","item":{"type":"agentMessage","id":"m1","text":"done"}}"""), At, "t0"));
        Assert.Equal((CodexEventKind.ItemCompleted, "t1"), (item.Kind, item.TurnId));
        Assert.Equal("done", Assert.IsType<AgentMessageItem>(item.Item).Text);

        var diff = Assert.IsType<TurnDiffEvent>(factory.Create("turn/diff/updated", Params("""{"threadId":"c1","turnId":"t1","diff":"diff --git a/x b/x"}"""), At, null));
        Assert.Equal("diff --git a/x b/x", diff.Diff);

        Assert.IsType<TokenUsageEvent>(factory.Create("thread/tokenUsage/updated", Params("""{"threadId":"c1","turnId":"t1","tokenUsage":{}}"""), At, null));
        Assert.IsType<ErrorEvent>(factory.Create("error", Params("""{"threadId":"c1","turnId":"t1","error":{"message":"x"},"willRetry":true}"""), At, null));
        Assert.Equal(CodexTurnStatus.Interrupted,
            Assert.IsType<TurnCompletedEvent>(factory.Create("turn/completed", Params("""{"threadId":"c1","turn":{"id":"t1","status":"interrupted"}}"""), At, null)).Status);

        // Events whose params name no turn belong to the turn given (the live turn, or the one recorded with the event).
        var resolved = factory.Create("serverRequest/resolved", Params("""{"threadId":"c1","requestId":3}"""), At, "t9");
        Assert.Equal((CodexEventKind.ApprovalResolved, "t9"), (resolved.Kind, resolved.TurnId));
        var plan = factory.Create("turn/plan/updated", Params("""{"threadId":"c1"}"""), At, "t9");
        Assert.Equal((CodexEventKind.PlanUpdated, "t9"), (plan.Kind, plan.TurnId));
        var other = Assert.IsType<NotificationEvent>(factory.Create("thread/status/changed", Params("""{"threadId":"c1"}"""), At, null));
        Assert.Null(other.TurnId);
        Assert.Equal("c1", other.ConversationId);
    }

    [Fact]
    public void DeltasOfOneItemShareOneItemIdAndTurnIdString()
    {
        var factory = new CodexEventFactory("c1");
        var first = factory.CreateDelta(CodexEventKind.AgentMessageDelta, "item/agentMessage/delta", Params("""{"turnId":"t1","itemId":"m1","delta":"a"}"""), At, "t1");
        var second = factory.CreateDelta(CodexEventKind.AgentMessageDelta, "item/agentMessage/delta", Params("""{"turnId":"t1","itemId":"m1","delta":"b"}"""), At, first.TurnId);
        var next = factory.CreateDelta(CodexEventKind.AgentMessageDelta, "item/agentMessage/delta", Params("""{"turnId":"t1","itemId":"m2","delta":"c"}"""), At, first.TurnId);
        Assert.Equal(("m1", "a", "b"), (first.ItemId, first.Delta, second.Delta));
        Assert.Same(first.ItemId, second.ItemId);
        Assert.Same(first.TurnId, second.TurnId);
        Assert.Equal("m2", next.ItemId);
    }

    [Fact]
    public void RateLimitsReadOnceAreTheEventsOwn()
    {
        var parameters = Params("""{"rateLimits":{"primary":{"usedPercent":42,"windowDurationMins":300}}}""");
        var limits = new CodexRateLimits(parameters.Prop("rateLimits"), At);
        var evt = new CodexEventFactory("c1").CreateRateLimits("account/rateLimits/updated", parameters, At, "t1", limits);
        Assert.Same(limits, evt.RateLimits);
        Assert.Equal(("c1", "t1", 42), (evt.ConversationId, evt.TurnId, evt.Primary!.UsedPercent));

        // A recording replays through Create, which reads them itself.
        var replayed = Assert.IsType<RateLimitsEvent>(new CodexEventFactory("c1").Create("account/rateLimits/updated", parameters, At, "t1"));
        Assert.Equal(42, replayed.Primary!.UsedPercent);
    }

    [Fact]
    public void APatchItemsFilesAreKeptForItsApprovalRequest()
    {
        var factory = new CodexEventFactory("c1");
        Assert.Null(factory.ChangesFor("p1"));
        factory.Create("item/started",
            Params("""{"threadId":"c1","turnId":"t1","item":{"type":"fileChange","id":"p1","changes":[{"path":"a.txt","kind":{"type":"add"},"diff":"+x"}]}}"""), At, null);
        var change = Assert.Single(factory.ChangesFor("p1")!);
        Assert.Equal(("a.txt", "Add", "+x"), (change.Path, change.Kind, change.Diff));
        Assert.Null(factory.ChangesFor("other"));
        Assert.Null(factory.ChangesFor(null));

        var request = new CodexApprovalRequest(CodexApprovalKind.FileChange, Params("""{"threadId":"c1","turnId":"t1","itemId":"p1"}"""), factory.ChangesFor("p1")!, _ => Task.CompletedTask);
        var evt = factory.CreateRequest("item/fileChange/requestApproval", Params("""{"threadId":"c1","itemId":"p1"}"""), At, "t1", request);
        Assert.Same(request, evt.Request);
        Assert.Equal("t1", evt.TurnId);
    }

    [Fact]
    public async Task ARequestTellsWhoeverListensWhenItIsAnsweredOnce()
    {
        var request = new CodexApprovalRequest(CodexApprovalKind.CommandExecution, Params("""{"threadId":"c1","turnId":"t1","command":"ls"}"""), Array.Empty<CodexFileChange>(), _ => Task.CompletedTask);
        var heard = new List<(CodexApprovalDecision?, string?)>();
        request.OnAnswered(r => heard.Add((r.Decision, r.DecidedBy)));
        Assert.Empty(heard);

        Assert.True(await request.RespondAsync(CodexApprovalDecision.Decline, "handler"));
        Assert.False(await request.RespondAsync(CodexApprovalDecision.Accept, "late"));
        Assert.Equal((CodexApprovalDecision.Decline, "handler"), Assert.Single(heard));

        // A listener that comes after the answer hears it at once.
        request.OnAnswered(r => heard.Add((r.Decision, r.DecidedBy)));
        Assert.Equal(2, heard.Count);
        Assert.Equal((CodexApprovalDecision.Decline, "handler"), heard[1]);
    }
}
