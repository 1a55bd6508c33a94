using CodexPS.Engine.Conversations;
using CodexPS.Engine.Mock;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Tests;

[Collection(RealRuntimeCollection.Name)]
public sealed class RuntimeTurnTests
{
    [Fact]
    public async Task TextTurnStreamsDeltasAndEndsWithTurnCompleted()
    {
        await using var rt = await TestRuntime.StartAsync(MockResponse.FromText("Hello from the mock model", 5));
        var conversation = await rt.NewConversationAsync();
        var turn = await conversation.StartTurnAsync("Say hello", null, CancellationToken.None);
        var events = await TestRuntime.CollectAsync(turn);

        Assert.Equal(CodexEventKind.TurnCompleted, events[^1].Kind);
        Assert.Equal(CodexTurnStatus.Completed, ((TurnCompletedEvent)events[^1]).Status);
        var deltas = events.OfType<DeltaEvent>().Where(e => e.Kind == CodexEventKind.AgentMessageDelta).ToList();
        Assert.Equal(5, deltas.Count);
        Assert.Equal("Hello from the mock model", string.Concat(deltas.Select(d => d.Delta)));
        var message = events.OfType<ItemEvent>().Where(e => e.Kind == CodexEventKind.ItemCompleted).Select(e => e.Item).OfType<AgentMessageItem>().Single();
        Assert.Equal("Hello from the mock model", message.Text);
        Assert.Contains(events, e => e.Kind == CodexEventKind.TokenUsage);
        Assert.All(events, e => Assert.Equal(conversation.Id, e.ConversationId));
        Assert.Contains("Say hello", rt.Mock.Requests.Single().Body);
        Assert.Equal(CodexRuntimeLocatorVersion(), rt.Client.RuntimeVersion);
    }

    private static string CodexRuntimeLocatorVersion() => Runtime.CodexRuntimeLocator.PinnedVersion;
}
