using System.Text.Json;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;
using CodexPS.Engine.Runtime;

namespace CodexPS.Engine.Tests;

/// <summary>
/// account/chatgptAuthTokens/refresh answered through the one server-request handler abstraction (synthetic requests
/// here; Connect-CodexAccount.Tests triggers the real one with the mock answering 401), and the runtime settings this
/// part of issue 12 added.
/// </summary>
public sealed class AccountRequestTests
{
    private const string RefreshParams = """{"reason":"unauthorized","previousAccountId":"acct-1"}""";

    [Fact]
    public async Task NewTokensFromAHandlerAreSentWithThePreviousAccountByDefault()
    {
        var (request, sent, refused) = Request(RefreshParams);
        Assert.Equal("acct-1", request.PreviousAccountId);
        Assert.Equal("unauthorized", request.Reason);
        var handler = new TokenHandler(new System.Text.Json.Nodes.JsonObject { ["accessToken"] = "new-token" });

        var answer = await CodexServerRequestHandlers.AnswerAsync(request, handler, CancellationToken.None);

        Assert.NotNull(answer);
        Assert.Null(answer!.Problem);
        Assert.Equal("""{"accessToken":"new-token","chatgptAccountId":"acct-1"}""", Assert.Single(sent));
        Assert.Empty(refused);
        Assert.Equal(CodexApprovalDecision.Accept, request.Decision);
    }

    [Fact]
    public async Task NobodyToAskIsAnErrorReplyNotAResult()
    {
        var (request, sent, refused) = Request(RefreshParams);

        var answer = await CodexServerRequestHandlers.AnswerAsync(request, null, CancellationToken.None);

        Assert.Equal(CodexServerRequestHandlers.NobodyDecided, answer!.DecidedBy);
        Assert.Empty(sent);
        Assert.Single(refused);
        Assert.Equal(CodexApprovalDecision.Decline, request.Decision);
    }

    [Fact]
    public async Task TokensWithoutAnAccessTokenOrAnAccountAreDeclinedAndReported()
    {
        var (request, sent, refused) = Request("""{"reason":"unauthorized","previousAccountId":null}""");
        var handler = new TokenHandler(new System.Text.Json.Nodes.JsonObject { ["accessToken"] = "new-token" });

        var answer = await CodexServerRequestHandlers.AnswerAsync(request, handler, CancellationToken.None);

        Assert.NotNull(answer!.Problem);
        Assert.Contains("chatgptAccountId", answer.Problem!.Message, StringComparison.Ordinal);
        Assert.Empty(sent);
        Assert.Single(refused);

        var (other, otherSent, otherRefused) = Request(RefreshParams);
        var empty = await CodexServerRequestHandlers.AnswerAsync(other, new TokenHandler(new System.Text.Json.Nodes.JsonObject { ["planType"] = "pro" }), CancellationToken.None);
        Assert.NotNull(empty!.Problem);
        Assert.Empty(otherSent);
        Assert.Single(otherRefused);
    }

    [Fact]
    public void EnvironmentAndExperimentalApiArePartOfTheRuntimesIdentity()
    {
        var home = Path.Combine(Path.GetTempPath(), "codexps-account-tests");
        var a = new CodexRuntimeSettings { Environment = new Dictionary<string, string?> { ["HTTPS_PROXY"] = "http://p:1", ["GONE"] = null } }.WithCodexHome(home);
        var same = new CodexRuntimeSettings { Environment = new Dictionary<string, string?> { ["GONE"] = null, ["HTTPS_PROXY"] = "http://p:1" } }.WithCodexHome(home);
        var other = new CodexRuntimeSettings { Environment = new Dictionary<string, string?> { ["HTTPS_PROXY"] = "http://p:2", ["GONE"] = null } }.WithCodexHome(home);
        var none = new CodexRuntimeSettings().WithCodexHome(home);

        Assert.True(a.IsSameRuntimeAs(same));
        Assert.False(a.IsSameRuntimeAs(other));
        Assert.False(a.IsSameRuntimeAs(none));
        Assert.False(none.IsSameRuntimeAs(none with { ExperimentalApi = true }));

        var options = a.ToClientOptions();
        Assert.Equal("http://p:1", options.Environment["HTTPS_PROXY"]);
        Assert.True(options.Environment.ContainsKey("GONE"));
        Assert.Null(options.Environment["GONE"]);
        Assert.True((none with { ExperimentalApi = true }).ToClientOptions().ExperimentalApi);
    }

    private static (CodexApprovalRequest Request, List<string> Sent, List<int> Refused) Request(string parameters)
    {
        var sent = new List<string>();
        var refused = new List<int>();
        var element = JsonDocument.Parse(parameters).RootElement;
        var request = new CodexApprovalRequest(CodexApprovalKind.ChatgptAuthTokensRefresh, element, Array.Empty<CodexFileChange>(),
            reply =>
            {
                sent.Add(reply.ToJsonString());
                return Task.CompletedTask;
            },
            () =>
            {
                refused.Add(1);
                return Task.CompletedTask;
            });
        return (request, sent, refused);
    }

    private sealed class TokenHandler : ICodexServerRequestHandler
    {
        private readonly System.Text.Json.Nodes.JsonObject _content;

        public TokenHandler(System.Text.Json.Nodes.JsonObject content) => _content = content;

        public ValueTask<CodexServerRequestAnswer?> HandleAsync(CodexApprovalRequest request, CancellationToken cancellationToken) =>
            new(new CodexServerRequestAnswer(CodexApprovalDecision.Accept, "test") { Content = _content });
    }
}
