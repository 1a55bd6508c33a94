using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Tests;

/// <summary>Goal and hook notifications become typed events through the one factory (live turns and replays alike).</summary>
public sealed class GoalHookEventTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    private static JsonElement Params(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void GoalUpdatedCarriesTheGoalAndGoalClearedNone()
    {
        var factory = new CodexEventFactory("c1");
        var updated = Assert.IsType<GoalEvent>(factory.Create("thread/goal/updated", Params("""
            {"threadId":"c1","turnId":"t1","goal":{"threadId":"c1","objective":"ship it","status":"budgetLimited","tokenBudget":5000,"tokensUsed":6000,"timeUsedSeconds":12,"createdAt":1700000000,"updatedAt":1700000012}}
            """), At, null));
        Assert.Equal((CodexEventKind.GoalUpdated, "t1"), (updated.Kind, updated.TurnId));
        var goal = Assert.IsType<CodexGoal>(updated.Goal);
        Assert.Equal(("c1", "ship it", CodexGoalStatus.BudgetLimited, 5000L, 6000L), (goal.ConversationId, goal.Objective, goal.Status, goal.TokenBudget, goal.TokensUsed));
        Assert.Equal(TimeSpan.FromSeconds(12), goal.TimeUsed);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000012), goal.UpdatedAt);

        var cleared = Assert.IsType<GoalEvent>(factory.Create("thread/goal/cleared", Params("""{"threadId":"c1"}"""), At, "t2"));
        Assert.Equal((CodexEventKind.GoalCleared, "t2"), (cleared.Kind, cleared.TurnId));
        Assert.Null(cleared.Goal);
        Assert.Equal("goal cleared", cleared.Summary);
    }

    [Fact]
    public void AnUnknownGoalStatusIsNullNotAGuess()
    {
        var factory = new CodexEventFactory("c1");
        var updated = Assert.IsType<GoalEvent>(factory.Create("thread/goal/updated", Params("""{"threadId":"c1","goal":{"threadId":"c1","objective":"x","status":"somethingNew","tokensUsed":0}}"""), At, null));
        Assert.Null(updated.Goal!.Status);
        Assert.Null(updated.Goal.TokenBudget);
    }

    [Fact]
    public void HookEventsCarryTheRun()
    {
        var factory = new CodexEventFactory("c1");
        var completed = Assert.IsType<HookEvent>(factory.Create("hook/completed", Params("""
            {"threadId":"c1","turnId":"t1","run":{"id":"r1","eventName":"preToolUse","handlerType":"command","executionMode":"sync","scope":"turn","source":"user","sourcePath":"/h/hooks.json","status":"blocked","statusMessage":"Checking","startedAt":1700000000000,"completedAt":1700000000250,"durationMs":250,"displayOrder":0,
             "entries":[{"kind":"feedback","text":"no rm -rf"}]}}
            """), At, null));
        Assert.Equal((CodexEventKind.HookCompleted, "t1"), (completed.Kind, completed.TurnId));
        var run = completed.Run;
        Assert.Equal(("r1", "PreToolUse", "Command", "Sync", "Turn", "User", "Blocked"), (run.Id, run.EventName, run.HandlerType, run.ExecutionMode, run.Scope, run.Source, run.Status));
        Assert.Equal(TimeSpan.FromMilliseconds(250), run.Duration);
        Assert.Equal(new CodexHookOutput("Feedback", "no rm -rf"), Assert.Single(run.Output));

        var started = Assert.IsType<HookEvent>(factory.Create("hook/started", Params("""{"threadId":"c1","run":{"id":"r2","eventName":"stop","status":"running","entries":[]}}"""), At, "t3"));
        Assert.Equal((CodexEventKind.HookStarted, "t3", "Running"), (started.Kind, started.TurnId, started.Run.Status));
        Assert.Null(started.Run.Duration);
    }

    [Fact]
    public void APluginRewriteKeepsTheType()
    {
        var factory = new CodexEventFactory("c1");
        var evt = factory.Create("thread/goal/updated", Params("""{"threadId":"c1","goal":{"threadId":"c1","objective":"secret","status":"active","tokensUsed":0}}"""), At, "t1");
        var mapped = Assert.IsType<GoalEvent>(evt.MapText(s => s.Replace("secret", "[redacted]", StringComparison.Ordinal)));
        Assert.Equal("[redacted]", mapped.Goal!.Objective);
    }
}
