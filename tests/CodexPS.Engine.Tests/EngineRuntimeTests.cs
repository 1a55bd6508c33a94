using System.Collections.Concurrent;
using System.Diagnostics;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Mock;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Tests;

/// <summary>The engine against the real pinned runtime, with the scripted mock as its model endpoint.</summary>
[Collection(RealRuntimeCollection.Name)]
public sealed class EngineRuntimeTests
{
    [Fact]
    public async Task ACommandApprovedByTheHandlerRuns()
    {
        await using var rt = await TestRuntime.StartAsync(MockResponse.FromCommand("echo hi > approved.txt"), MockResponse.FromText("done"));
        var asked = new ConcurrentQueue<CodexApprovalRequest>();
        // Workspace-write: an approved command still runs in the sandbox, which must let it write the file.
        var conversation = await rt.NewConversationAsync(CodexApprovalPolicy.Untrusted, CodexSandbox.WorkspaceWrite, (request, _) =>
        {
            asked.Enqueue(request);
            return Task.FromResult(CodexApprovalDecision.Accept);
        });
        var turn = await conversation.StartTurnAsync("Write approved.txt", null, CancellationToken.None);
        var events = await TestRuntime.CollectAsync(turn);

        var completed = Assert.IsType<TurnCompletedEvent>(events[^1]);
        Assert.Equal(CodexTurnStatus.Completed, completed.Status);
        var approval = Assert.Single(events.OfType<ApprovalRequestedEvent>());
        Assert.Equal(CodexApprovalKind.CommandExecution, approval.Request.Kind);
        Assert.Contains("echo hi > approved.txt", approval.Request.Command, StringComparison.Ordinal);
        Assert.Equal(CodexApprovalDecision.Accept, approval.Decision);
        Assert.Equal("handler", approval.Request.DecidedBy);
        Assert.Contains(events, e => e.Kind == CodexEventKind.ApprovalResolved);
        Assert.Same(approval.Request, Assert.Single(asked));
        Assert.Equal(conversation.Id, approval.Request.ConversationId);

        var command = CompletedItems<CommandExecutionItem>(events).Single();
        Assert.True(command.ExitCode == 0, $"exit {command.ExitCode}, status {command.Status}, output: {command.Output}");
        Assert.Equal("Completed", command.Status);
        Assert.Contains("echo hi > approved.txt", command.Command, StringComparison.Ordinal);
        var file = Path.Combine(rt.Workspace, "approved.txt");
        Assert.True(File.Exists(file), "The approved command did not run.");
        Assert.Equal("hi", (await File.ReadAllTextAsync(file)).Trim());
        Assert.Equal("done", CompletedItems<AgentMessageItem>(events).Last().Text);
        Assert.Equal(2, rt.Mock.Requests.Count);
    }

    [Fact]
    public async Task ACommandWithoutAHandlerIsDeclined()
    {
        await using var rt = await TestRuntime.StartAsync(MockResponse.FromCommand("echo hi > declined.txt"), MockResponse.FromText("ok, not run"));
        // Workspace-write, so the file's absence shows the decline and not the sandbox.
        var conversation = await rt.NewConversationAsync(CodexApprovalPolicy.Untrusted, CodexSandbox.WorkspaceWrite);
        var turn = await conversation.StartTurnAsync("Write declined.txt", null, CancellationToken.None);
        var events = await TestRuntime.CollectAsync(turn);

        Assert.Equal(CodexTurnStatus.Completed, Assert.IsType<TurnCompletedEvent>(events[^1]).Status);
        var approval = Assert.Single(events.OfType<ApprovalRequestedEvent>());
        Assert.Equal(CodexApprovalDecision.Decline, approval.Decision);
        Assert.False(File.Exists(Path.Combine(rt.Workspace, "declined.txt")), "A declined command ran.");

        var command = CompletedItems<CommandExecutionItem>(events).SingleOrDefault();
        var requests = rt.Mock.Requests;
        Assert.Equal(2, requests.Count);
        var secondBody = requests[1].Body;
        var statusDeclined = command?.Status == "Declined";
        var rejectionSent = secondBody.Contains("call_mock_1", StringComparison.Ordinal)
            && (secondBody.Contains("rejected", StringComparison.OrdinalIgnoreCase) || secondBody.Contains("declined", StringComparison.OrdinalIgnoreCase));
        Assert.True(statusDeclined, $"Command item status {command?.Status}; the model's next request: {Excerpt(secondBody)}");
        Assert.True(rejectionSent, $"The model was not told of the rejection: {Excerpt(secondBody)}");
        Assert.Null(command!.ExitCode);
        Assert.StartsWith("CodexPS", approval.Request.DecidedBy, StringComparison.Ordinal);
        Assert.Contains(events, e => e.Kind == CodexEventKind.ApprovalResolved);
    }

    [Fact]
    public async Task AnApprovalAnsweredByTheConsumerWhileReadingIsHonoured()
    {
        await using var rt = await TestRuntime.StartAsync(MockResponse.FromCommand("echo yes > consumer.txt"), MockResponse.FromText("ran it"));
        var conversation = await rt.NewConversationAsync(CodexApprovalPolicy.Untrusted, CodexSandbox.WorkspaceWrite);
        var turn = await conversation.StartTurnAsync("Write consumer.txt", null, CancellationToken.None);
        var events = new List<CodexEvent>();
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await foreach (var evt in turn.ReadEventsAsync(cts.Token))
            {
                events.Add(evt);
                if (evt is ApprovalRequestedEvent approval)
                {
                    Assert.Null(approval.Decision);
                    Assert.True(await approval.Request.RespondAsync(CodexApprovalDecision.Accept, "test"));
                    Assert.False(await approval.Request.RespondAsync(CodexApprovalDecision.Decline, "test again"));
                }
            }
        }

        Assert.Equal(CodexTurnStatus.Completed, Assert.IsType<TurnCompletedEvent>(events[^1]).Status);
        Assert.Equal(CodexApprovalDecision.Accept, Assert.Single(events.OfType<ApprovalRequestedEvent>()).Decision);
        Assert.Equal(0, CompletedItems<CommandExecutionItem>(events).Single().ExitCode);
        Assert.Equal("yes", (await File.ReadAllTextAsync(Path.Combine(rt.Workspace, "consumer.txt"))).Trim());
    }

    [Fact]
    public async Task APatchAcceptedByTheHandlerChangesTheFile()
    {
        const string patch = "*** Begin Patch\n*** Add File: hello.txt\n+hello\n*** End Patch";
        await using var rt = await TestRuntime.StartAsync(MockResponse.FromPatch(patch), MockResponse.FromText("patched"));
        var conversation = await rt.NewConversationAsync(CodexApprovalPolicy.Untrusted, CodexSandbox.ReadOnly,
            (_, _) => Task.FromResult(CodexApprovalDecision.Accept));
        var turn = await conversation.StartTurnAsync("Add hello.txt", null, CancellationToken.None);
        var events = await TestRuntime.CollectAsync(turn);

        Assert.Equal(CodexTurnStatus.Completed, Assert.IsType<TurnCompletedEvent>(events[^1]).Status);
        var approval = Assert.Single(events.OfType<ApprovalRequestedEvent>());
        Assert.Equal(CodexApprovalKind.FileChange, approval.Request.Kind);
        Assert.Equal(CodexApprovalDecision.Accept, approval.Decision);
        var change = Assert.Single(approval.Request.Changes);
        Assert.EndsWith("hello.txt", change.Path, StringComparison.Ordinal);
        Assert.Equal("Add", change.Kind);

        var file = Path.Combine(rt.Workspace, "hello.txt");
        Assert.True(File.Exists(file), "The accepted patch was not applied.");
        Assert.Equal("hello\n", await File.ReadAllTextAsync(file));
        var item = CompletedItems<FileChangeItem>(events).Single();
        Assert.Equal("Completed", item.Status);
    }

    [Fact]
    public async Task AnInterruptedTurnEndsInterruptedAndTheConversationGoesOn()
    {
        await using var rt = await TestRuntime.StartAsync(MockResponse.StallResponse(), MockResponse.FromText("second turn answer"));
        var conversation = await rt.NewConversationAsync();
        var turn = await conversation.StartTurnAsync("Take for ever", null, CancellationToken.None);

        Stopwatch? sinceInterrupt = null;
        TurnCompletedEvent? completed = null;
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await foreach (var evt in turn.ReadEventsAsync(cts.Token))
            {
                if (evt is TurnStartedEvent && sinceInterrupt is null)
                {
                    // Let the runtime reach the stalled model call before interrupting.
                    await RecordingHandler.WaitUntilAsync(() => rt.Mock.Requests.Count == 1);
                    sinceInterrupt = Stopwatch.StartNew();
                    await turn.InterruptAsync(cts.Token);
                    cts.CancelAfter(TimeSpan.FromSeconds(2));
                }

                completed = evt as TurnCompletedEvent ?? completed;
            }
        }

        Assert.NotNull(sinceInterrupt);
        Assert.NotNull(completed);
        Assert.Equal(CodexTurnStatus.Interrupted, completed!.Status);
        Assert.True(sinceInterrupt!.Elapsed < TimeSpan.FromSeconds(2), $"The interrupt took {sinceInterrupt.Elapsed}.");
        Assert.Equal(CodexTurnStatus.Interrupted, (await turn.Completion).Status);
        Assert.Null(conversation.ActiveTurn);

        var second = await conversation.StartTurnAsync("Now answer", null, CancellationToken.None);
        var events = await TestRuntime.CollectAsync(second, TimeSpan.FromSeconds(20));
        Assert.Equal(CodexTurnStatus.Completed, Assert.IsType<TurnCompletedEvent>(events[^1]).Status);
        Assert.Equal("second turn answer", CompletedItems<AgentMessageItem>(events).Last().Text);
        Assert.NotEqual(turn.Id, second.Id);
        Assert.Equal(2, conversation.TurnCount);
    }

    [Theory]
    [InlineData(500, "CodexInternalServerError")]
    [InlineData(429, "CodexUsageLimitExceeded")]
    public async Task AnHttpErrorFailsTheTurnWithItsErrorId(int status, string errorId)
    {
        await using var rt = await TestRuntime.StartAsync(MockResponse.FromError(status));
        var conversation = await rt.NewConversationAsync();
        var turn = await conversation.StartTurnAsync("Fail, please", null, CancellationToken.None);
        var events = await TestRuntime.CollectAsync(turn, TimeSpan.FromSeconds(30));

        var completed = Assert.IsType<TurnCompletedEvent>(events[^1]);
        Assert.Equal(CodexTurnStatus.Failed, completed.Status);
        Assert.NotNull(completed.Error);
        Assert.Equal(errorId, completed.Error!.ErrorId);
        Assert.False(string.IsNullOrWhiteSpace(completed.Error.Message));
        Assert.Single(rt.Mock.Requests);
    }

    [Fact]
    public async Task AStreamClosedBeforeTheResponseCompletesFailsTheTurn()
    {
        await using var rt = await TestRuntime.StartAsync(MockResponse.Disconnect("partial ans"));
        var conversation = await rt.NewConversationAsync();
        var turn = await conversation.StartTurnAsync("Start answering", null, CancellationToken.None);
        var events = await TestRuntime.CollectAsync(turn, TimeSpan.FromSeconds(30));

        var completed = Assert.IsType<TurnCompletedEvent>(events[^1]);
        Assert.Equal(CodexTurnStatus.Failed, completed.Status);
        Assert.NotNull(completed.Error);
        Assert.Single(rt.Mock.Requests);
    }

    [Fact]
    public async Task KillingTheRuntimeMidTurnFailsTheEventStream()
    {
        await using var rt = await TestRuntime.StartAsync(MockResponse.StallResponse());
        var conversation = await rt.NewConversationAsync();
        var turn = await conversation.StartTurnAsync("Stall", null, CancellationToken.None);

        Stopwatch? sinceKill = null;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var error = await Assert.ThrowsAsync<CodexRuntimeExitedException>(async () =>
        {
            await foreach (var evt in turn.ReadEventsAsync(cts.Token))
            {
                if (evt is TurnStartedEvent && sinceKill is null)
                {
                    await RecordingHandler.WaitUntilAsync(() => rt.Mock.Requests.Count == 1);
                    sinceKill = Stopwatch.StartNew();
                    rt.Client.KillRuntime();
                    cts.CancelAfter(TimeSpan.FromSeconds(2));
                }
            }
        });

        Assert.NotNull(sinceKill);
        Assert.True(sinceKill!.Elapsed < TimeSpan.FromSeconds(2), $"The turn failed only {sinceKill.Elapsed} after the kill.");
        Assert.NotNull(error.ExitCode);
        Assert.NotEqual(0, error.ExitCode);
        await Assert.ThrowsAsync<CodexRuntimeExitedException>(() => turn.Completion);
        Assert.Equal(CodexRuntimeState.Exited, rt.Client.State);
        Assert.IsType<CodexRuntimeExitedException>(rt.Client.ExitError);
        var refused = await Assert.ThrowsAsync<CodexException>(() => conversation.StartTurnAsync("Again", null, CancellationToken.None));
        Assert.Equal("CodexRuntimeExited", refused.ErrorId);
    }

    [Fact]
    public async Task RateLimitHeadersBecomeARateLimitsEvent()
    {
        var resetAt = DateTimeOffset.UtcNow.AddHours(3).ToUnixTimeSeconds();
        var response = new MockResponse
        {
            Kind = MockResponseKind.Text,
            Text = "limited",
            RateLimits = new MockRateLimits(42, 300, resetAt, 7, 10080, resetAt + 3600),
        };
        await using var rt = await TestRuntime.StartAsync(response);
        Assert.Null(rt.Client.RateLimits);
        var conversation = await rt.NewConversationAsync();
        var turn = await conversation.StartTurnAsync("How limited am I?", null, CancellationToken.None);
        var events = await TestRuntime.CollectAsync(turn);

        Assert.Equal(CodexTurnStatus.Completed, Assert.IsType<TurnCompletedEvent>(events[^1]).Status);
        var limits = events.OfType<RateLimitsEvent>().Last(e => e.Primary is not null);
        Assert.Equal(42, limits.Primary!.UsedPercent);
        Assert.Equal(300, limits.Primary.WindowMinutes);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(resetAt), limits.Primary.ResetsAt);
        Assert.NotNull(limits.Secondary);
        Assert.Equal(7, limits.Secondary!.UsedPercent);
        Assert.Equal(10080, limits.Secondary.WindowMinutes);

        var latest = rt.Client.RateLimits;
        Assert.NotNull(latest);

        // Each report is read once: the client and the turn's event hold the same object.
        Assert.Same(latest, events.OfType<RateLimitsEvent>().Last().RateLimits);
        Assert.Equal(42, latest!.Primary!.UsedPercent);
        Assert.Equal(300, latest.Primary.WindowMinutes);
    }

    [Fact]
    public async Task ManyConversationsRunTurnsConcurrentlyOnOneClient()
    {
        var answers = new[] { "answer one", "answer two", "answer three" };
        await using var rt = await TestRuntime.StartAsync(answers.Select(a => MockResponse.FromText(a, 3)).ToArray());
        var conversations = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => rt.NewConversationAsync()));
        Assert.Equal(3, conversations.Select(c => c.Id).Distinct().Count());

        // All three turns are started before any event is read.
        var turns = new List<CodexTurn>();
        foreach (var conversation in conversations)
        {
            turns.Add(await conversation.StartTurnAsync("Answer for " + conversation.Id, null, CancellationToken.None));
        }

        Assert.All(conversations, c => Assert.NotNull(c.ActiveTurn));
        var results = await Task.WhenAll(turns.Select(t => TestRuntime.CollectAsync(t)));

        var finals = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var events = results[i];
            Assert.Equal(CodexTurnStatus.Completed, Assert.IsType<TurnCompletedEvent>(events[^1]).Status);
            Assert.All(events, e => Assert.Equal(conversations[i].Id, e.ConversationId));
            finals.Add(CompletedItems<AgentMessageItem>(events).Last().Text);
            var user = CompletedItems<UserMessageItem>(events).Single();
            Assert.Equal("Answer for " + conversations[i].Id, user.Text);
        }

        Assert.Equal(answers.OrderBy(a => a), finals.OrderBy(a => a));
        Assert.Equal(3, rt.Mock.Requests.Count);
        Assert.Equal(3, rt.Client.Conversations.Count);
    }

    private static IEnumerable<T> CompletedItems<T>(IEnumerable<CodexEvent> events) where T : CodexItem
    {
        return events.OfType<ItemEvent>().Where(e => e.Kind == CodexEventKind.ItemCompleted).Select(e => e.Item).OfType<T>();
    }

    private static string Excerpt(string text) => text.Length > 2000 ? text[^2000..] : text;
}
