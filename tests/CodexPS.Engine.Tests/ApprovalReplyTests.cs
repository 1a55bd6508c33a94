using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Tests;

/// <summary>The replies CodexPS sends to each kind of server request, built from the parameters the runtime sent.</summary>
public sealed class ApprovalReplyTests
{
    // Shapes as codex 0.169.0 sent them to CodexPS (captured from the real runtime).
    private const string PermissionsParams = """
        {"threadId":"t1","turnId":"u1","itemId":"call_1","environmentId":"local","startedAtMs":1795820473378,"cwd":"/work",
         "reason":"need to write the build dir",
         "permissions":{"network":{"enabled":true},"fileSystem":{"read":null,"write":["/tmp/out"],"entries":[{"path":{"type":"path","path":"/tmp/out"},"access":"write"}]}}}
        """;

    private const string UserInputParams = """
        {"threadId":"t1","turnId":"u1","itemId":"call_1","isBlocking":false,"autoResolutionMs":null,"questions":[
         {"id":"color","header":"Color","question":"Which color?","isOther":true,"isSecret":false,"options":[{"label":"Red","description":"warm"},{"label":"Blue","description":"cold"}]},
         {"id":"size","header":"Size","question":"Which size?","isOther":false,"isSecret":false,"options":[{"label":"Small","description":"s"},{"label":"Large","description":"l"}]},
         {"id":"token","header":"Token","question":"Your token?","isOther":false,"isSecret":true,"options":null}]}
        """;

    private const string FormParams = """
        {"threadId":"t1","turnId":"u1","serverName":"test","mode":"form","_meta":null,"message":"Which color?",
         "requestedSchema":{"type":"object","properties":{
           "color":{"type":"string","title":"Color"},
           "count":{"type":"integer","title":"Count","default":2},
           "ratio":{"type":"number"},
           "ok":{"type":"boolean"},
           "shade":{"type":"string","oneOf":[{"const":"lt","title":"Light"},{"const":"dk","title":"Dark"}]},
           "tags":{"type":"array","items":{"type":"string","enum":["a","b","c"]}}},
          "required":["color"]}}
        """;

    private const string UrlParams = """
        {"threadId":"t1","turnId":null,"serverName":"test","mode":"url","message":"Sign in","url":"https://example.test/login","elicitationId":"e1"}
        """;

    [Theory]
    [InlineData("item/commandExecution/requestApproval", CodexApprovalKind.CommandExecution)]
    [InlineData("item/fileChange/requestApproval", CodexApprovalKind.FileChange)]
    [InlineData("item/permissions/requestApproval", CodexApprovalKind.Permissions)]
    [InlineData("item/tool/requestUserInput", CodexApprovalKind.UserInput)]
    [InlineData("mcpServer/elicitation/request", CodexApprovalKind.McpElicitation)]
    [InlineData("item/tool/call", CodexApprovalKind.ToolCall)]
    public void KnownMethodsMapToTheirKind(string method, CodexApprovalKind kind)
    {
        Assert.Equal(kind, CodexClient.ApprovalKindOf(method));
    }

    [Theory]
    [InlineData("account/chatgptAuthTokens/refresh")]
    [InlineData("attestation/generate")]
    [InlineData("execCommandApproval")]
    public void OtherMethodsStayUnknown(string method)
    {
        Assert.Null(CodexClient.ApprovalKindOf(method));
    }

    [Theory]
    [InlineData(CodexApprovalDecision.Accept, "accept")]
    [InlineData(CodexApprovalDecision.AcceptForSession, "acceptForSession")]
    [InlineData(CodexApprovalDecision.Decline, "decline")]
    [InlineData(CodexApprovalDecision.Cancel, "cancel")]
    public async Task CommandDecisionsKeepTheirWireNames(CodexApprovalDecision decision, string wire)
    {
        var (request, sent) = Request(CodexApprovalKind.CommandExecution, """{"threadId":"t","command":"ls","cwd":"/w"}""");
        Assert.True(await request.RespondAsync(decision, "test"));
        Assert.Equal($$"""{"decision":"{{wire}}"}""", Assert.Single(sent));
        Assert.Throws<CodexException>(() => request.BuildReply(CodexApprovalDecision.Accept, new JsonObject { ["x"] = 1 }));
    }

    private const string ToolCallParams = """
        {"threadId":"t","turnId":"u","callId":"call_1","namespace":"ops","tool":"Get-Inventory","arguments":{"Site":"ams"}}
        """;

    [Fact]
    public async Task ToolCallsAreAnsweredWithTheToolsResult()
    {
        var (request, sent) = Request(CodexApprovalKind.ToolCall, ToolCallParams);
        Assert.Equal(("Get-Inventory", "ops", "call_1", "call_1"), (request.Tool, request.ToolNamespace, request.CallId, request.ItemId));
        Assert.Equal("""{"Site":"ams"}""", request.Arguments);
        Assert.True(await request.RespondWithToolResultAsync("ams-1", true, "test"));
        Assert.Equal("""{"contentItems":[{"type":"inputText","text":"ams-1"}],"success":true}""", Assert.Single(sent));
        Assert.Equal(CodexApprovalDecision.Accept, request.Decision);
    }

    [Theory]
    [InlineData(CodexApprovalDecision.Accept)]
    [InlineData(CodexApprovalDecision.Decline)]
    [InlineData(CodexApprovalDecision.Cancel)]
    public async Task APlainDecisionOnAToolCallTellsTheModelItDidNotRun(CodexApprovalDecision decision)
    {
        // Only the tool's own result says it ran; an Accept without one must not read as success.
        var (request, sent) = Request(CodexApprovalKind.ToolCall, ToolCallParams);
        Assert.True(await request.RespondAsync(decision, "test"));
        var reply = JsonNode.Parse(Assert.Single(sent))!;
        Assert.False(reply["success"]!.GetValue<bool>());
        Assert.Contains("did not run the tool Get-Inventory", reply["contentItems"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Throws<CodexException>(() => request.BuildReply(CodexApprovalDecision.Accept, new JsonObject { ["x"] = 1 }));
    }

    [Fact]
    public async Task AToolsConsentCarriesTheBoundArgumentsAndSendsNothing()
    {
        var (call, sent) = Request(CodexApprovalKind.ToolCall, ToolCallParams);
        var consent = CodexApprovalRequest.ForToolConsent(call, """{"Site":"ams","Top":2}""");
        Assert.Equal(CodexApprovalKind.ToolCall, consent.Kind);
        Assert.Equal(("Get-Inventory", "ops", "t", "u"), (consent.Tool, consent.ToolNamespace, consent.ConversationId, consent.TurnId));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"Site":"ams","Top":2}"""), JsonNode.Parse(consent.Arguments!)));
        Assert.True(await consent.RespondAsync(CodexApprovalDecision.Accept, "test"));
        Assert.Equal(CodexApprovalDecision.Accept, consent.Decision);
        Assert.Empty(sent);
        Assert.False(call.IsAnswered);
    }

    [Fact]
    public void PermissionsAreReadAndSummarised()
    {
        var (request, _) = Request(CodexApprovalKind.Permissions, PermissionsParams);
        Assert.Equal("write /tmp/out; network", request.PermissionsSummary);
        Assert.Equal("/work", request.Cwd);
        Assert.Equal("need to write the build dir", request.Reason);
        Assert.True(JsonNode.Parse(request.Permissions!)!["network"]!["enabled"]!.GetValue<bool>());
        Assert.Equal("grant write /tmp/out; network (need to write the build dir)", request.ToString());
    }

    [Fact]
    public async Task AcceptingPermissionsGrantsExactlyWhatWasAskedForTheTurn()
    {
        var (request, sent) = Request(CodexApprovalKind.Permissions, PermissionsParams);
        await request.RespondAsync(CodexApprovalDecision.Accept, "test");
        var reply = JsonNode.Parse(Assert.Single(sent))!;
        Assert.Equal("turn", reply["scope"]!.GetValue<string>());
        var asked = JsonNode.Parse(PermissionsParams)!["permissions"]!;
        Assert.True(JsonNode.DeepEquals(asked, reply["permissions"]), reply.ToJsonString());
    }

    [Fact]
    public void AcceptingPermissionsForTheSessionSaysSession()
    {
        var (request, _) = Request(CodexApprovalKind.Permissions, PermissionsParams);
        Assert.Equal("session", request.BuildReply(CodexApprovalDecision.AcceptForSession, null)["scope"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(CodexApprovalDecision.Decline)]
    [InlineData(CodexApprovalDecision.Cancel)]
    public void DecliningPermissionsGrantsNothing(CodexApprovalDecision decision)
    {
        var (request, _) = Request(CodexApprovalKind.Permissions, PermissionsParams);
        Assert.Equal("""{"permissions":{}}""", request.BuildReply(decision, null).ToJsonString());
    }

    [Fact]
    public void PermissionsTakeNoContent()
    {
        var (request, _) = Request(CodexApprovalKind.Permissions, PermissionsParams);
        var ex = Assert.Throws<CodexException>(() => request.BuildReply(CodexApprovalDecision.Accept, new JsonObject()));
        Assert.Equal("CodexApprovalAnswerInvalid", ex.ErrorId);
    }

    [Fact]
    public void QuestionsAreTyped()
    {
        var (request, _) = Request(CodexApprovalKind.UserInput, UserInputParams);
        Assert.Equal(3, request.Questions.Count);
        var color = request.Questions[0];
        Assert.Equal("color", color.Id);
        Assert.Equal("Color", color.Header);
        Assert.Equal("Which color?", color.Question);
        Assert.True(color.IsOther);
        Assert.Equal(new[] { "Red", "Blue" }, color.Options.Select(o => o.Label));
        Assert.Equal("warm", color.Options[0].Description);
        Assert.True(request.Questions[2].IsSecret);
        Assert.Empty(request.Questions[2].Options);
        Assert.False(request.IsBlocking);
        Assert.Equal("Which color? [Red/Blue] | Which size? [Small/Large] | Your token?", request.ToString());
    }

    [Fact]
    public async Task AnswersGoOutByQuestionId()
    {
        var (request, sent) = Request(CodexApprovalKind.UserInput, UserInputParams);
        var content = new Hashtable { ["color"] = "blue", ["size"] = new[] { "Large" }, ["token"] = "s3cret" };
        Assert.True(await request.RespondWithContentAsync(content, "test"));
        Assert.Equal(CodexApprovalDecision.Accept, request.Decision);
        var reply = JsonNode.Parse(Assert.Single(sent))!["answers"]!;
        Assert.Equal("""["Blue"]""", reply["color"]!["answers"]!.ToJsonString());
        Assert.Equal("""["Large"]""", reply["size"]!["answers"]!.ToJsonString());
        Assert.Equal("""["s3cret"]""", reply["token"]!["answers"]!.ToJsonString());
    }

    [Fact]
    public void AFreeFormAnswerIsAllowedOnlyWhereTheModelSaysOther()
    {
        var (request, _) = Request(CodexApprovalKind.UserInput, UserInputParams);
        var other = request.BuildReply(CodexApprovalDecision.Accept, new JsonObject { ["color"] = "green" });
        Assert.Equal("""{"answers":{"color":{"answers":["green"]}}}""", other.ToJsonString());
        var ex = Assert.Throws<CodexException>(() => request.BuildReply(CodexApprovalDecision.Accept, new JsonObject { ["size"] = "huge" }));
        Assert.Equal("CodexApprovalAnswerInvalid", ex.ErrorId);
    }

    [Fact]
    public void AnswersToUnknownQuestionsOrOfTheWrongShapeAreRefused()
    {
        var (request, _) = Request(CodexApprovalKind.UserInput, UserInputParams);
        Assert.Throws<CodexException>(() => request.BuildReply(CodexApprovalDecision.Accept, new JsonObject { ["nope"] = "x" }));
        Assert.Throws<CodexException>(() => request.BuildReply(CodexApprovalDecision.Accept, new JsonObject { ["color"] = new JsonObject { ["a"] = 1 } }));
    }

    [Fact]
    public void SecretAnswersAreNotRepeatedInErrors()
    {
        var parameters = """{"threadId":"t","questions":[{"id":"pin","header":"PIN","question":"PIN?","isOther":false,"isSecret":true,"options":[{"label":"1234","description":""}]}]}""";
        var (request, _) = Request(CodexApprovalKind.UserInput, parameters);
        var ex = Assert.Throws<CodexException>(() => request.BuildReply(CodexApprovalDecision.Accept, new JsonObject { ["pin"] = "9999" }));
        Assert.DoesNotContain("9999", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AcceptWithoutAnswersTakesTheRecommendedOptionsAndLeavesFreeTextUnanswered()
    {
        var (request, _) = Request(CodexApprovalKind.UserInput, UserInputParams);
        Assert.Equal("""{"answers":{"color":{"answers":["Red"]},"size":{"answers":["Small"]}}}""", request.BuildReply(CodexApprovalDecision.Accept, null).ToJsonString());
    }

    [Theory]
    [InlineData(CodexApprovalDecision.Decline)]
    [InlineData(CodexApprovalDecision.Cancel)]
    public async Task DecliningQuestionsAnswersNothing(CodexApprovalDecision decision)
    {
        var (request, sent) = Request(CodexApprovalKind.UserInput, UserInputParams);
        await request.RespondAsync(decision, "test");
        Assert.Equal("""{"answers":{}}""", Assert.Single(sent));
    }

    [Fact]
    public void ElicitationFormsAreTyped()
    {
        var (request, _) = Request(CodexApprovalKind.McpElicitation, FormParams);
        Assert.Equal("test", request.ServerName);
        Assert.Equal("form", request.Mode);
        Assert.Equal("Which color?", request.Message);
        Assert.Null(request.Url);
        Assert.Equal("object", JsonNode.Parse(request.RequestedSchema!)!["type"]!.GetValue<string>());
        Assert.Equal(new[] { "color", "count", "ratio", "ok", "shade", "tags" }, request.Fields.Select(f => f.Name));
        var color = request.Fields[0];
        Assert.True(color.IsRequired);
        Assert.Equal("Color", color.Title);
        Assert.Equal("string", color.Type);
        Assert.Equal(2d, request.Fields[1].Default);
        Assert.Equal(new[] { "lt", "dk" }, request.Fields[4].Choices.Select(c => c.Value));
        Assert.Equal("Dark", request.Fields[4].Choices[1].Title);
        Assert.True(request.Fields[5].IsMultiSelect);
        Assert.Equal(new[] { "a", "b", "c" }, request.Fields[5].Choices.Select(c => c.Value));
        Assert.Equal("test: Which color?", request.ToString());
    }

    [Fact]
    public async Task FormValuesAreSentAsTheSchemaTypesThem()
    {
        var (request, sent) = Request(CodexApprovalKind.McpElicitation, FormParams);
        var content = new Hashtable { ["color"] = "red", ["count"] = "3", ["ratio"] = "0.5", ["ok"] = "yes", ["shade"] = "Dark", ["tags"] = new object[] { "a", "C" } };
        await request.RespondWithContentAsync(content, "test");
        var reply = JsonNode.Parse(Assert.Single(sent))!;
        Assert.Equal("accept", reply["action"]!.GetValue<string>());
        var expected = JsonNode.Parse("""{"color":"red","count":3,"ratio":0.5,"ok":true,"shade":"dk","tags":["a","c"]}""");
        Assert.True(JsonNode.DeepEquals(expected, reply["content"]), reply.ToJsonString());
    }

    [Fact]
    public void MissingFormValuesTakeTheDefaultAndRequiredOnesMustBeGiven()
    {
        var (request, _) = Request(CodexApprovalKind.McpElicitation, FormParams);
        Assert.Equal("""{"action":"accept","content":{"color":"red","count":2}}""", request.BuildReply(CodexApprovalDecision.Accept, new JsonObject { ["color"] = "red" }).ToJsonString());
        Assert.Throws<CodexException>(() => request.BuildReply(CodexApprovalDecision.Accept, new JsonObject { ["ratio"] = 1 }));
    }

    [Theory]
    [InlineData("nope", "x")]
    [InlineData("count", "many")]
    [InlineData("count", "1.5")]
    [InlineData("ok", "perhaps")]
    [InlineData("shade", "purple")]
    public void FormValuesThatDoNotFitAreRefused(string field, string value)
    {
        var (request, _) = Request(CodexApprovalKind.McpElicitation, FormParams);
        var ex = Assert.Throws<CodexException>(() => request.BuildReply(CodexApprovalDecision.Accept, new JsonObject { ["color"] = "red", [field] = value }));
        Assert.Equal("CodexApprovalAnswerInvalid", ex.ErrorId);
    }

    [Theory]
    [InlineData(CodexApprovalDecision.Decline, """{"action":"decline"}""")]
    [InlineData(CodexApprovalDecision.Cancel, """{"action":"cancel"}""")]
    [InlineData(CodexApprovalDecision.Accept, """{"action":"accept","content":{"count":2}}""")]
    public void ElicitationDecisions(CodexApprovalDecision decision, string expected)
    {
        var (request, _) = Request(CodexApprovalKind.McpElicitation, FormParams);
        Assert.Equal(expected, request.BuildReply(decision, null).ToJsonString());
    }

    [Fact]
    public void UrlElicitationsAreAcceptedWithoutContent()
    {
        var (request, _) = Request(CodexApprovalKind.McpElicitation, UrlParams);
        Assert.Equal("url", request.Mode);
        Assert.Equal("https://example.test/login", request.Url);
        Assert.Equal("e1", request.ElicitationId);
        Assert.Null(request.TurnId);
        Assert.Empty(request.Fields);
        Assert.Equal("""{"action":"accept"}""", request.BuildReply(CodexApprovalDecision.Accept, null).ToJsonString());
        Assert.Throws<CodexException>(() => request.BuildReply(CodexApprovalDecision.Accept, new JsonObject { ["x"] = "y" }));
        Assert.Equal("test: Sign in (https://example.test/login)", request.ToString());
    }

    [Fact]
    public async Task OnlyTheFirstAnswerIsSentAndInvalidContentSendsNothing()
    {
        var (request, sent) = Request(CodexApprovalKind.UserInput, UserInputParams);
        await Assert.ThrowsAsync<CodexException>(() => request.RespondWithContentAsync(new Hashtable { ["size"] = "huge" }, "handler"));
        Assert.False(request.IsAnswered);
        Assert.Empty(sent);
        Assert.True(await request.RespondAsync(CodexApprovalDecision.Decline, "fallback"));
        Assert.False(await request.RespondAsync(CodexApprovalDecision.Accept, "late"));
        Assert.False(await request.RespondWithContentAsync(new Hashtable { ["color"] = "Red" }, "late"));
        Assert.Single(sent);
        Assert.Equal(CodexApprovalDecision.Decline, request.Decision);
        Assert.Equal("fallback", request.DecidedBy);
    }

    [Fact]
    public void EventSummariesNameTheKind()
    {
        Assert.StartsWith("permissions: grant write /tmp/out", Summary(CodexApprovalKind.Permissions, PermissionsParams), StringComparison.Ordinal);
        Assert.StartsWith("question: Which color? [Red/Blue]", Summary(CodexApprovalKind.UserInput, UserInputParams), StringComparison.Ordinal);
        Assert.Equal("elicitation: test: Which color?", Summary(CodexApprovalKind.McpElicitation, FormParams));
        Assert.StartsWith("approval: run 'ls'", Summary(CodexApprovalKind.CommandExecution, """{"command":"ls","cwd":"/w"}"""), StringComparison.Ordinal);
    }

    private static string Summary(CodexApprovalKind kind, string parameters)
    {
        var (request, _) = Request(kind, parameters);
        var element = JsonDocument.Parse(parameters).RootElement;
        return new ApprovalRequestedEvent("m", "t", "u", DateTimeOffset.Now, element, request).Summary;
    }

    private static (CodexApprovalRequest Request, List<string> Sent) Request(CodexApprovalKind kind, string parameters)
    {
        var sent = new List<string>();
        var element = JsonDocument.Parse(parameters).RootElement;
        var request = new CodexApprovalRequest(kind, element, Array.Empty<CodexFileChange>(), reply =>
        {
            sent.Add(reply.ToJsonString());
            return Task.CompletedTask;
        });
        return (request, sent);
    }
}
