using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Mock;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Tests;

/// <summary>A turn's result, its server requests and its end, as the engine owns them.</summary>
public sealed class TurnLifeTests
{
    private static ItemEvent Message(string text, string? phase)
    {
        var item = new JsonObject { ["type"] = "agentMessage", ["id"] = Guid.NewGuid().ToString("N"), ["text"] = text };
        if (phase is not null)
        {
            item["phase"] = phase;
        }

        var parameters = JsonDocument.Parse(new JsonObject { ["threadId"] = "t", ["turnId"] = "u", ["item"] = item }.ToJsonString()).RootElement;
        return new ItemEvent(CodexEventKind.ItemCompleted, "item/completed", "t", "u", DateTimeOffset.Now, parameters);
    }

    [Fact]
    public void TheFinalAnswerIsTheMessageMarkedFinalEvenWhenCommentaryFollows()
    {
        var result = new CodexTurnResult();
        result.Add(Message("looking", "commentary"));
        result.Add(Message("the answer", "final_answer"));
        result.Add(Message("one more remark", "commentary"));
        Assert.Equal("the answer", result.FinalResponse);
    }

    [Fact]
    public void WithoutPhasesTheFinalAnswerIsTheLastMessage()
    {
        var result = new CodexTurnResult();
        result.Add(Message("first", null));
        result.Add(Message("last", null));
        Assert.Equal("last", result.FinalResponse);
    }

    [Fact]
    public void ATurnOfCommentaryOnlyHasNoFinalAnswer()
    {
        var result = new CodexTurnResult();
        result.Add(Message("only thinking aloud", "commentary"));
        Assert.Null(result.FinalResponse);
    }

    private static (CodexApprovalRequest Request, List<string> Sent) Command()
    {
        var sent = new List<string>();
        var element = JsonDocument.Parse("""{"threadId":"t","turnId":"u","itemId":"i","command":"ls","cwd":"/w"}""").RootElement;
        return (new CodexApprovalRequest(CodexApprovalKind.CommandExecution, element, Array.Empty<CodexFileChange>(), reply =>
        {
            sent.Add(reply.ToJsonString());
            return Task.CompletedTask;
        }), sent);
    }

    private sealed class Fixed : ICodexServerRequestHandler
    {
        private readonly CodexServerRequestAnswer? _answer;

        public Fixed(CodexServerRequestAnswer? answer) => _answer = answer;

        public int Calls { get; private set; }

        public ValueTask<CodexServerRequestAnswer?> HandleAsync(CodexApprovalRequest request, CancellationToken cancellationToken)
        {
            Calls++;
            return new ValueTask<CodexServerRequestAnswer?>(_answer);
        }
    }

    [Fact]
    public async Task AChainAsksEachHandlerUntilOneDecides()
    {
        var (request, sent) = Command();
        var undecided = new Fixed(null);
        var decides = new Fixed(new CodexServerRequestAnswer(CodexApprovalDecision.Accept, "second"));
        var never = new Fixed(CodexServerRequestAnswer.Decline("third"));
        var answer = await CodexServerRequestHandlers.AnswerAsync(request, CodexServerRequestHandlers.Chain(undecided, null, decides, never), CancellationToken.None);
        Assert.Equal("second", answer!.DecidedBy);
        Assert.Equal((1, 1, 0), (undecided.Calls, decides.Calls, never.Calls));
        Assert.Equal("""{"decision":"accept"}""", Assert.Single(sent));
        Assert.Equal("second", request.DecidedBy);
    }

    [Fact]
    public async Task NobodyDecidingDeclines()
    {
        var (request, sent) = Command();
        var answer = await CodexServerRequestHandlers.AnswerAsync(request, CodexServerRequestHandlers.Chain(new Fixed(null)), CancellationToken.None);
        Assert.Equal(CodexApprovalDecision.Decline, answer!.Decision);
        Assert.Equal(CodexServerRequestHandlers.NobodyDecided, request.DecidedBy);
        Assert.Equal("""{"decision":"decline"}""", Assert.Single(sent));
    }

    [Fact]
    public async Task ContentThatDoesNotFitIsDeclinedWithTheHandlersErrorId()
    {
        var (request, sent) = Command();
        var bad = new CodexServerRequestAnswer(CodexApprovalDecision.Accept, "h") { Content = new JsonObject { ["x"] = 1 }, InvalidContentErrorId = "MyInvalid" };
        var answer = await CodexServerRequestHandlers.AnswerAsync(request, new Fixed(bad), CancellationToken.None);
        Assert.Equal(CodexApprovalDecision.Decline, answer!.Decision);
        Assert.Equal("MyInvalid", answer.Problem!.ErrorId);
        Assert.Equal("""{"decision":"decline"}""", Assert.Single(sent));
    }

    [Fact]
    public async Task ADelegateHandlerIsAnAdapterOntoTheSameMechanism()
    {
        var (request, sent) = Command();
        var handler = CodexServerRequestHandlers.FromDelegate((_, _) => Task.FromResult(CodexApprovalDecision.AcceptForSession));
        await CodexServerRequestHandlers.AnswerAsync(request, handler, CancellationToken.None);
        Assert.Equal("""{"decision":"acceptForSession"}""", Assert.Single(sent));
        var options = new CodexTurnOptions { ApprovalHandler = (_, _) => Task.FromResult(CodexApprovalDecision.Accept) };
        Assert.NotNull(options.RequestHandler);
    }

    private static MockResponse Loop() => MockResponse.FromDictionary(new System.Collections.Hashtable { ["Command"] = "echo loop", ["DelayMs"] = 50 });

    private static async Task AssertStoppedAsync(TestRuntime rt, CodexConversation conversation)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (conversation.ActiveTurn is not null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Null(conversation.ActiveTurn);
        await Task.Delay(300);
        var before = rt.Mock.Requests.Count;
        await Task.Delay(1500);
        Assert.Equal(before, rt.Mock.Requests.Count);

        rt.Mock.DefaultResponse = MockResponse.FromText("still usable");
        var next = await conversation.StartTurnAsync("again", null, CancellationToken.None);
        var events = await TestRuntime.CollectAsync(next);
        Assert.Equal(CodexTurnStatus.Completed, Assert.IsType<TurnCompletedEvent>(events[^1]).Status);
    }

    [Fact]
    public async Task LeavingTheEventLoopEarlyInterruptsTheTurn()
    {
        await using var rt = await TestRuntime.StartAsync();
        rt.Mock.DefaultResponse = Loop();
        var conversation = await rt.NewConversationAsync(CodexApprovalPolicy.Never, CodexSandbox.ReadOnly);
        var turn = await conversation.StartTurnAsync("loop", null, CancellationToken.None);
        await foreach (var evt in turn.ReadEventsAsync(CancellationToken.None))
        {
            if (evt is ItemEvent { Item: CommandExecutionItem })
            {
                break;
            }
        }

        Assert.True(turn.IsStopRequested);
        var end = await turn.Completion.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(CodexTurnStatus.Interrupted, end.Status);
        await AssertStoppedAsync(rt, conversation);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(30)]
    public async Task AStartCancelledBeforeTheRuntimeAnsweredStillEndsTheTurn(int delayMs)
    {
        await using var rt = await TestRuntime.StartAsync();
        rt.Mock.DefaultResponse = Loop();
        var conversation = await rt.NewConversationAsync(CodexApprovalPolicy.Never, CodexSandbox.ReadOnly);
        using var cts = new CancellationTokenSource();
        var start = conversation.StartTurnAsync("loop", null, cts.Token);
        await Task.Delay(delayMs);
        cts.Cancel();
        try
        {
            var turn = await start;
            turn.StopReading(); // it started before the cancel: its consumer stops here
        }
        catch (OperationCanceledException)
        {
            // Cancelled while starting: the engine stops the turn once the runtime names it.
        }

        await AssertStoppedAsync(rt, conversation);
    }

    [Fact]
    public async Task TheOutputSchemaIsCheckedInTheEngine()
    {
        await using var rt = await TestRuntime.StartAsync(MockResponse.FromText("""{"answer":3}"""), MockResponse.FromText("three"));
        var conversation = await rt.NewConversationAsync();
        var schema = JsonNode.Parse("""{"type":"object","properties":{"answer":{"type":"integer"}},"required":["answer"]}""");
        var turn = await conversation.StartTurnAsync("json", new CodexTurnOptions { OutputSchema = schema }, CancellationToken.None);
        var events = await TestRuntime.CollectAsync(turn);
        var output = Assert.IsType<JsonElement>(Assert.IsType<TurnCompletedEvent>(events[^1]).Output);
        Assert.Equal(3, output.GetProperty("answer").GetInt32());
        Assert.Null(turn.Result.OutputError);

        var bad = await conversation.StartTurnAsync("json", new CodexTurnOptions { OutputSchema = schema }, CancellationToken.None);
        events = await TestRuntime.CollectAsync(bad);
        Assert.Null(Assert.IsType<TurnCompletedEvent>(events[^1]).Output);
        Assert.Equal("CodexOutputInvalidJson", bad.Result.OutputError!.ErrorId);
        Assert.Equal("three", bad.Result.FinalResponse);
    }
}
