using System.Text;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Mock;
using CodexPS.Engine.Persistence;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Tests;

public class RecordingTemplateTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 4, 5, 6, 7, 89, TimeSpan.FromHours(2));

    [Fact]
    public void EveryPlaceholderIsExpanded()
    {
        var path = CodexRecordingTemplate.Expand("rec/{sessionId}/{date}/{conversationId}-{timestamp}.jsonl", "s-1", "c-2", At);
        Assert.Equal("rec/s-1/2026-03-04/c-2-2026-03-04T03-06-07.089Z.jsonl", path);
    }

    [Fact]
    public void NamesAreCaseInsensitiveAndTextIsKept()
    {
        Assert.Equal("x-c-2-c-2-S.json", CodexRecordingTemplate.Expand("x-{CONVERSATIONID}-{ConversationId}-{SESSIONID}.json", "S", "c-2", At));
        Assert.Equal("plain.jsonl", CodexRecordingTemplate.Expand("plain.jsonl", "s", "c", At));
    }

    [Fact]
    public void TheTimestampIsUtcAndHasNoColons()
    {
        var text = CodexRecordingTemplate.Timestamp(At);
        Assert.Equal("2026-03-04T03-06-07.089Z", text);
        Assert.DoesNotContain(':', text);
        Assert.Empty(text.Intersect(Path.GetInvalidFileNameChars()));
    }

    [Theory]
    [InlineData("{nope}.jsonl", "'{nope}' is not a placeholder")]
    [InlineData("rec-{conversationId.jsonl", "never closed")]
    public void UnknownOrUnclosedPlaceholdersAreRefused(string template, string why)
    {
        var ex = Assert.Throws<CodexException>(() => CodexRecordingTemplate.Expand(template, "s", "c", At));
        Assert.Equal("CodexRecordingTemplateInvalid", ex.ErrorId);
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        Assert.Contains(template, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheFormatFollowsTheExtension()
    {
        Assert.Equal(CodexRecordingFormat.Json, CodexRecordingTemplate.FormatFor("a/b.JSON"));
        Assert.Equal(CodexRecordingFormat.Jsonl, CodexRecordingTemplate.FormatFor("a/b.jsonl"));
        Assert.Equal(CodexRecordingFormat.Jsonl, CodexRecordingTemplate.FormatFor("a/b.log"));
    }
}

public class SessionFileValidationTests : IDisposable
{
    private const string Header = """{"type":"session","schema":"codexps.recording/1","session":{"id":"s1","timestamp":"2026-01-01T00:00:00.0000000+00:00","cwd":"/w","originator":"codexps","runtimeVersion":"0.169.0","moduleVersion":"0.1.0","instructions":null},"conversation":{"id":"thread-1","model":"gpt-5.5","modelProvider":"mock","rolloutPath":null}}""";
    private const string Event = """{"type":"event","seq":1,"timestamp":"2026-01-01T00:00:01.0000000+00:00","turnId":"t1","method":"turn/started","params":{"threadId":"thread-1","turn":{"id":"t1"}}}""";
    private readonly string _dir = TestRuntime.NewTempDirectory("codexps-files");

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    private string Write(string text, string name = "f.jsonl")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    private static CodexSessionFileException Refused(string path, bool strict = false) =>
        Assert.Throws<CodexSessionFileException>(() => CodexSessionFile.Read(path, strict));

    [Fact]
    public void AMissingFileIsReported()
    {
        var path = Path.Combine(_dir, "missing.jsonl");
        var ex = Refused(path);
        Assert.Equal("CodexResumeFileNotFound", ex.ErrorId);
        Assert.Equal(path, ex.Path);
        Assert.Null(ex.LineNumber);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n  \r\n")]
    public void AnEmptyFileIsReported(string text)
    {
        var ex = Refused(Write(text));
        Assert.Equal("CodexResumeFileEmpty", ex.ErrorId);
    }

    [Fact]
    public void ALineThatIsNotJsonIsReportedWithItsNumber()
    {
        var path = Write(Header + "\n" + Event + "\nthis is not json\n" + Event + "\n");
        var ex = Refused(path);
        Assert.Equal("CodexResumeLineInvalid", ex.ErrorId);
        Assert.Equal(3, ex.LineNumber);
        Assert.Contains("Line 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALineThatIsJsonButNoObjectIsInvalid()
    {
        var ex = Refused(Write(Header + "\n[1,2]\n"));
        Assert.Equal("CodexResumeLineInvalid", ex.ErrorId);
        Assert.Equal(2, ex.LineNumber);
    }

    [Fact]
    public void ACutShortLineInTheMiddleIsInvalidNotTruncated()
    {
        var ex = Refused(Write(Header + "\n" + Event[..40] + "\n" + Event + "\n"));
        Assert.Equal("CodexResumeLineInvalid", ex.ErrorId);
        Assert.Equal(2, ex.LineNumber);
    }

    [Fact]
    public void ATruncatedLastLineIsDroppedAndReported()
    {
        var path = Write(Header + "\n" + Event + "\n" + Event[..50]);
        var file = CodexSessionFile.Read(path, strict: false);
        Assert.Equal("thread-1", file.ConversationId);
        Assert.Single(file.Entries);
        var problem = Assert.Single(file.Problems);
        Assert.Equal("CodexResumeLineTruncated", problem.ErrorId);
        Assert.Equal(3, problem.LineNumber);
        Assert.Equal(path, problem.Path);
    }

    [Fact]
    public void StrictRefusesATruncatedLastLine()
    {
        var ex = Refused(Write(Header + "\n" + Event + "\n" + Event[..50]), strict: true);
        Assert.Equal("CodexResumeLineTruncated", ex.ErrorId);
        Assert.Equal(3, ex.LineNumber);
    }

    [Fact]
    public void ATruncatedOnlyLineLeavesNothingToResume()
    {
        var ex = Refused(Write(Header[..60]));
        Assert.Equal("CodexResumeLineTruncated", ex.ErrorId);
        Assert.Equal(1, ex.LineNumber);
    }

    [Theory]
    [InlineData("""{"type":"session","schema":"codexps.recording/9","conversation":{"id":"x"}}""", "codexps.recording/9")]
    [InlineData("""{"type":"something_else","payload":{}}""", "something_else")]
    [InlineData("""{"hello":"world"}""", "no schema marker")]
    public void AnUnknownSchemaIsReported(string head, string named)
    {
        var ex = Refused(Write(head + "\n" + Event + "\n"));
        Assert.Equal("CodexResumeSchemaUnknown", ex.ErrorId);
        Assert.Equal(1, ex.LineNumber);
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARecordingHeaderWithoutConversationIsRefused()
    {
        var ex = Refused(Write("""{"type":"session","schema":"codexps.recording/1","session":{}}""" + "\n"));
        Assert.Equal("CodexResumeSchemaUnknown", ex.ErrorId);
    }

    [Fact]
    public void ARolloutGivesItsThreadId()
    {
        var path = Write("""{"timestamp":"2026-01-01T00:00:00Z","type":"session_meta","payload":{"id":"0199-abc","cwd":"/w","originator":"codexps","cli_version":"0.169.0"}}""" + "\n" +
            """{"timestamp":"2026-01-01T00:00:01Z","type":"event_msg","payload":{"type":"task_started"}}""" + "\n");
        var file = CodexSessionFile.Read(path, strict: false);
        Assert.Equal(CodexSessionFileKind.Rollout, file.Kind);
        Assert.Equal("0199-abc", file.ConversationId);
        Assert.Null(file.Metadata);
        Assert.Equal(2, file.LineCount);
    }

    [Fact]
    public void ARecordingGivesItsMetadataAndEntries()
    {
        var file = CodexSessionFile.Read(Write("\uFEFF" + Header + "\r\n" + Event + "\r\n"), strict: true);
        Assert.Equal(CodexSessionFileKind.Recording, file.Kind);
        Assert.Equal(CodexRecordingFormat.Jsonl, file.Format);
        Assert.Equal("thread-1", file.ConversationId);
        Assert.Equal("s1", file.Metadata!.SessionId);
        Assert.Equal("0.169.0", file.Metadata.RuntimeVersion);
        Assert.Null(file.Metadata.Instructions);
        Assert.Single(file.Entries);
    }

    [Fact]
    public void AJsonDocumentIsReadWhole()
    {
        var doc = "{\"schema\":\"codexps.recording/1\",\"session\":{\"id\":\"s1\"},\"conversation\":{\"id\":\"thread-1\"},\n\"events\":[\n" + Event + "\n]}\n";
        var file = CodexSessionFile.Read(Write(doc, "f.json"), strict: true);
        Assert.Equal(CodexRecordingFormat.Json, file.Format);
        Assert.Equal("thread-1", file.ConversationId);
        Assert.Single(file.Entries);

        var cut = Refused(Write(doc[..(doc.Length - 10)], "cut.json"));
        Assert.Equal("CodexResumeLineTruncated", cut.ErrorId);
        Assert.Equal(3, cut.LineNumber);

        var bad = Refused(Write(doc.Replace("\"events\":[\n", "\"events\":[\n oops,", StringComparison.Ordinal), "bad.json"));
        Assert.Equal("CodexResumeLineInvalid", bad.ErrorId);
        Assert.Equal(3, bad.LineNumber);
    }
}

public class RecordingRuntimeTests
{
    [Fact]
    public async Task ATurnIsRecordedAndReplaysAsTheSameTypedEvents()
    {
        await using var rt = await TestRuntime.StartAsync(new MockResponse { Kind = MockResponseKind.Text, Text = "Recorded answer.", Deltas = 3 });
        var conversation = await rt.NewConversationAsync();
        var path = Path.Combine(rt.Workspace, "rec", "r.jsonl");
        var recording = CodexRecording.Start(conversation, path, CodexRecordingFormat.Jsonl);
        Assert.Same(recording, Assert.Single(conversation.Recordings));

        var live = await TestRuntime.CollectAsync(await conversation.StartTurnAsync("hello", null, CancellationToken.None));
        await recording.StopAsync();
        Assert.False(recording.IsRecording);
        Assert.Empty(conversation.Recordings);
        Assert.Null(recording.Error);

        var lines = File.ReadAllLines(path);
        Assert.Contains("\"schema\":\"codexps.recording/1\"", lines[0], StringComparison.Ordinal);
        Assert.Contains(rt.Client.SessionId, lines[0], StringComparison.Ordinal);
        Assert.Equal(lines.Length - 1, recording.EventCount);

        var file = CodexSessionFile.Read(path, strict: true);
        Assert.Equal(conversation.Id, file.ConversationId);
        Assert.Equal(rt.Client.RuntimeVersion, file.Metadata!.RuntimeVersion);
        var all = CodexReplay.Events(file, includeDeltas: true).ToList();
        var replayed = all.Where(e => e.TurnId is not null).ToList();

        // Every live event comes back with the same type, kind, turn and payload, in order. A notification whose
        // params name no turn takes the turn id the turn had when it was recorded, which races with the
        // turn/start answer (it may be recorded before the id is known), so those are compared by payload only.
        var expected = live.Where(e => e is not NotificationEvent).Select(e => (e.GetType(), e.Kind, e.TurnId, e.Raw)).ToList();
        var actual = replayed.Where(e => e is not NotificationEvent && live.Any(l => l.Method == e.Method)).Select(e => (e.GetType(), e.Kind, e.TurnId, e.Raw)).ToList();
        Assert.Equal(expected, actual.Where(expected.Contains).ToList());
        Assert.All(expected, e => Assert.Contains(e, actual));
        Assert.All(live.OfType<NotificationEvent>(), n => Assert.Contains(all, r => r is NotificationEvent && r.Method == n.Method && r.Raw == n.Raw));
        Assert.Equal("Recorded answer.", replayed.OfType<ItemEvent>().Where(e => e.Kind == CodexEventKind.ItemCompleted).Select(e => e.Item).OfType<AgentMessageItem>().Single().Text);
        Assert.Equal(3, replayed.OfType<DeltaEvent>().Count(d => d.Kind == CodexEventKind.AgentMessageDelta));
        Assert.Empty(CodexReplay.Events(file, includeDeltas: false).OfType<DeltaEvent>());
    }

    [Fact]
    public async Task AnApprovalReplaysWithItsDecisionAndAnswersNobody()
    {
        await using var rt = await TestRuntime.StartAsync(
            new MockResponse { Kind = MockResponseKind.ExecCommand, Command = "echo recorded > recorded.txt" },
            new MockResponse { Kind = MockResponseKind.Text, Text = "done" });
        var conversation = await rt.NewConversationAsync(CodexApprovalPolicy.Untrusted, CodexSandbox.WorkspaceWrite,
            (_, _) => Task.FromResult(CodexApprovalDecision.Decline));
        var path = Path.Combine(rt.Workspace, "approval.json");
        var recording = CodexRecording.Start(conversation, path, CodexRecordingFormat.Json);
        await TestRuntime.CollectAsync(await conversation.StartTurnAsync("run it", null, CancellationToken.None));
        Assert.False(File.Exists(path));
        await recording.StopAsync();

        var file = CodexSessionFile.Read(path, strict: true);
        Assert.Equal(CodexRecordingFormat.Json, file.Format);

        // The request tells the recording its decision, which is written before the runtime says it was resolved.
        var entries = file.Entries.ToList();
        var requestAt = entries.FindIndex(e => e.Str("type") == "request");
        var decisionAt = entries.FindIndex(e => e.Str("type") == "decision");
        var resolvedAt = entries.FindIndex(e => e.Str("method") == "serverRequest/resolved");
        Assert.True(requestAt >= 0 && requestAt < decisionAt && decisionAt < resolvedAt, $"request {requestAt}, decision {decisionAt}, resolved {resolvedAt}");
        Assert.Equal(entries[requestAt].Long("seq"), entries[decisionAt].Long("request"));
        Assert.Equal("handler", entries[decisionAt].Str("decidedBy"));
        var approval = Assert.Single(CodexReplay.Events(file, includeDeltas: false).OfType<ApprovalRequestedEvent>());
        Assert.Equal(CodexApprovalKind.CommandExecution, approval.Request.Kind);
        Assert.Contains("echo recorded", approval.Request.Command, StringComparison.Ordinal);
        Assert.Equal(CodexApprovalDecision.Decline, approval.Decision);
        Assert.Equal("handler", approval.Request.DecidedBy);

        // Answering again reaches nothing: the first (recorded) answer stands.
        Assert.False(await approval.Request.RespondAsync(CodexApprovalDecision.Accept, "test"));
        Assert.Equal(CodexApprovalDecision.Decline, approval.Decision);
    }

    [Fact]
    public async Task AnExistingRecordingOfTheSameConversationIsContinuedAndOthersAreRefused()
    {
        await using var rt = await TestRuntime.StartAsync(
            new MockResponse { Kind = MockResponseKind.Text, Text = "one" },
            new MockResponse { Kind = MockResponseKind.Text, Text = "two" });
        var conversation = await rt.NewConversationAsync();
        var path = Path.Combine(rt.Workspace, "same.jsonl");
        var first = CodexRecording.Start(conversation, path, CodexRecordingFormat.Jsonl);
        Assert.Equal("CodexRecordingInProgress", Assert.Throws<CodexException>(() => CodexRecording.Start(conversation, path, CodexRecordingFormat.Jsonl)).ErrorId);
        await TestRuntime.CollectAsync(await conversation.StartTurnAsync("one", null, CancellationToken.None));
        await first.StopAsync();
        var second = CodexRecording.Start(conversation, path, CodexRecordingFormat.Jsonl);
        await TestRuntime.CollectAsync(await conversation.StartTurnAsync("two", null, CancellationToken.None));
        await second.StopAsync();

        var file = CodexSessionFile.Read(path, strict: true);
        Assert.Single(File.ReadAllLines(path), l => l.Contains("\"schema\"", StringComparison.Ordinal));
        Assert.Equal(2, CodexReplay.Events(file, false).OfType<TurnCompletedEvent>().Count());

        var other = await rt.NewConversationAsync();
        Assert.Equal("CodexRecordingPathExists", Assert.Throws<CodexException>(() => CodexRecording.Start(other, path, CodexRecordingFormat.Jsonl)).ErrorId);
    }

    [Fact]
    public async Task DisposingTheClientWritesAJsonRecording()
    {
        var rt = await TestRuntime.StartAsync(new MockResponse { Kind = MockResponseKind.Text, Text = "bye" });
        var path = Path.Combine(TestRuntime.NewTempDirectory("codexps-rec"), "end.json");
        try
        {
            var conversation = await rt.NewConversationAsync();
            CodexRecording.Start(conversation, path, CodexRecordingFormat.Json);
            await TestRuntime.CollectAsync(await conversation.StartTurnAsync("hi", null, CancellationToken.None));
            await rt.Client.DisposeAsync();
            Assert.True(File.Exists(path));
            Assert.Single(CodexReplay.Events(CodexSessionFile.Read(path, strict: true), false).OfType<TurnCompletedEvent>());
        }
        finally
        {
            await rt.DisposeAsync();
            File.Delete(path);
        }
    }
}
