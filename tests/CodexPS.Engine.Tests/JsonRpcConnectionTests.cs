using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Rpc;

namespace CodexPS.Engine.Tests;

/// <summary>The transport against a scripted fake peer over in-memory pipes (no process involved).</summary>
public sealed class JsonRpcConnectionTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task ResponsesArrivingOutOfOrderAreMatchedById()
    {
        await using var peer = new FakePeer();
        var handler = new RecordingHandler();
        await using var rpc = peer.Connect(handler);

        var methods = new[] { "first", "second", "third" };
        var calls = methods.Select(m => rpc.RequestAsync(m, new JsonObject { ["tag"] = m }, CancellationToken.None)).ToArray();

        var received = new List<JsonElement>();
        for (var i = 0; i < methods.Length; i++)
        {
            received.Add(await peer.ReadMessageAsync());
        }

        Assert.Equal(3, received.Select(r => r.GetProperty("id").GetInt64()).Distinct().Count());
        Assert.All(received, r => Assert.False(r.TryGetProperty("jsonrpc", out _)));

        // Answer in reverse order of arrival; each answer echoes the method and tag it answers.
        received.Reverse();
        foreach (var request in received)
        {
            var id = request.GetProperty("id").GetInt64();
            var method = request.GetProperty("method").GetString();
            var tag = request.GetProperty("params").GetProperty("tag").GetString();
            await peer.WriteLineAsync($"{{\"id\":{id},\"result\":{{\"method\":\"{method}\",\"tag\":\"{tag}\"}}}}");
        }

        var results = await Task.WhenAll(calls).WaitAsync(Quick);
        for (var i = 0; i < methods.Length; i++)
        {
            Assert.Equal(methods[i], results[i].GetProperty("method").GetString());
            Assert.Equal(methods[i], results[i].GetProperty("tag").GetString());
        }

        Assert.Empty(handler.Malformed);
    }

    [Fact]
    public async Task AFiveMegabyteLineIsDeliveredIntact()
    {
        await using var peer = new FakePeer();
        var handler = new RecordingHandler();
        await using var rpc = peer.Connect(handler);

        // Not one repeated byte: a pattern with multi-byte characters, so a lost or shifted chunk shows.
        var builder = new StringBuilder(5 * 1024 * 1024 + 64);
        for (var i = 0; builder.Length < 5 * 1024 * 1024; i++)
        {
            builder.Append(i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(i % 7 == 0 ? "é" : "-");
        }

        var big = builder.ToString();
        var call = rpc.RequestAsync("big", null, CancellationToken.None);
        var request = await peer.ReadMessageAsync();
        var id = request.GetProperty("id").GetInt64();
        var line = "{\"id\":" + id + ",\"result\":{\"data\":" + JsonSerializer.Serialize(big) + ",\"after\":\"end\"}}";
        Assert.True(Encoding.UTF8.GetByteCount(line) > 5 * 1024 * 1024);
        var writing = peer.WriteLineAsync(line);

        var result = await call.WaitAsync(TimeSpan.FromSeconds(20));
        await writing;
        var data = result.GetProperty("data").GetString();
        Assert.Equal(big.Length, data!.Length);
        Assert.Equal(big, data);
        Assert.Equal("end", result.GetProperty("after").GetString());

        // The connection still works after the big line.
        var next = rpc.RequestAsync("small", null, CancellationToken.None);
        var second = await peer.ReadMessageAsync();
        await peer.WriteLineAsync($"{{\"id\":{second.GetProperty("id").GetInt64()},\"result\":{{\"ok\":true}}}}");
        Assert.True((await next.WaitAsync(Quick)).GetProperty("ok").GetBoolean());
        Assert.Empty(handler.Malformed);
    }

    [Fact]
    public async Task GarbageLinesAreReportedAndSkipped()
    {
        await using var peer = new FakePeer();
        var handler = new RecordingHandler();
        await using var rpc = peer.Connect(handler);

        var call = rpc.RequestAsync("after/garbage", null, CancellationToken.None);
        var request = await peer.ReadMessageAsync();
        var id = request.GetProperty("id").GetInt64();

        await peer.WriteLineAsync("this is not json at all");
        await peer.WriteLineAsync("[1,2,3]");
        await peer.WriteBytesAsync(new byte[] { 0xFF, 0xFE, 0xC3, 0x28, (byte)'\n' });
        // Invalid UTF-8 inside an otherwise well-formed message, and a line cut off half-way.
        await peer.WriteBytesAsync(Encoding.UTF8.GetBytes("{\"method\":\"x/bad\",\"params\":{\"s\":\"")
            .Concat(new byte[] { 0xC3, 0x28, 0xA0, 0xA1 }).Concat(Encoding.UTF8.GetBytes("\"}}\n")).ToArray());
        await peer.WriteLineAsync("{\"id\":");
        Assert.False(call.IsCompleted);

        await peer.WriteLineAsync($"{{\"id\":{id},\"result\":{{\"value\":42}}}}");
        var result = await call.WaitAsync(Quick);
        Assert.Equal(42, result.GetProperty("value").GetInt32());

        var malformed = handler.Malformed.ToArray();
        Assert.True(malformed.Length == 5, string.Join(" | ", malformed.Select(m => m.Reason + ": " + m.Excerpt)) + " / notifications: " + string.Join(",", handler.Notifications.Select(n => n.Method)));
        Assert.Equal(5, malformed.Length);
        Assert.StartsWith("not JSON", malformed[0].Reason, StringComparison.Ordinal);
        Assert.Contains("this is not json", malformed[0].Excerpt, StringComparison.Ordinal);
        Assert.Equal("not a JSON object", malformed[1].Reason);
        Assert.Equal("[1,2,3]", malformed[1].Excerpt);
        Assert.Equal("not valid UTF-8", malformed[2].Reason);
        Assert.Equal("not valid UTF-8", malformed[3].Reason);
        Assert.Contains("x/bad", malformed[3].Excerpt, StringComparison.Ordinal);
        Assert.StartsWith("not JSON", malformed[4].Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(handler.Notifications, n => n.Method == "x/bad");

        // A notification after the garbage still arrives.
        await peer.WriteLineAsync("{\"method\":\"still/alive\",\"params\":{}}");
        await RecordingHandler.WaitUntilAsync(() => handler.Notifications.Any(n => n.Method == "still/alive"));
        Assert.False(handler.Closed.IsCompleted);
    }

    [Fact]
    public async Task UnknownNotificationsReachTheHandler()
    {
        await using var peer = new FakePeer();
        var handler = new RecordingHandler();
        await using var rpc = peer.Connect(handler);

        await peer.WriteLineAsync("{\"method\":\"made/up/notification\",\"params\":{\"answer\":42},\"emittedAtMs\":1700000000000}");
        await peer.WriteLineAsync("{\"method\":\"no/params/at/all\"}");
        await RecordingHandler.WaitUntilAsync(() => handler.Notifications.Count == 2);

        var notifications = handler.Notifications.ToArray();
        Assert.Equal("made/up/notification", notifications[0].Method);
        Assert.Equal(42, notifications[0].Params.GetProperty("answer").GetInt32());
        Assert.Equal("no/params/at/all", notifications[1].Method);
        Assert.Equal(JsonValueKind.Undefined, notifications[1].Params.ValueKind);
        Assert.Empty(handler.Malformed);

        // The reader is still alive and answers flow.
        var call = rpc.RequestAsync("ping", null, CancellationToken.None);
        var request = await peer.ReadMessageAsync();
        await peer.WriteLineAsync($"{{\"id\":{request.GetProperty("id").GetInt64()},\"result\":\"pong\"}}");
        Assert.Equal("pong", (await call.WaitAsync(Quick)).GetString());
    }

    [Fact]
    public async Task ServerRequestsWithCollidingIdsDoNotCompleteClientRequests()
    {
        await using var peer = new FakePeer();
        var handler = new RecordingHandler();
        await using var rpc = peer.Connect(handler);
        handler.OnServerRequest = (id, method) => rpc.RespondAsync(id, new JsonObject { ["handled"] = method }, CancellationToken.None);

        var first = rpc.RequestAsync("client/one", null, CancellationToken.None);
        var second = rpc.RequestAsync("client/two", null, CancellationToken.None);
        var sent = new[] { await peer.ReadMessageAsync(), await peer.ReadMessageAsync() };
        var ids = sent.Select(s => s.GetProperty("id").GetInt64()).OrderBy(i => i).ToArray();
        Assert.Equal(new long[] { 1, 2 }, ids);

        // The runtime's own requests count from 0, so 0, 1 and 2 are all in flight in both directions.
        await peer.WriteLineAsync("{\"id\":0,\"method\":\"server/zero\",\"params\":{\"n\":0}}");
        await peer.WriteLineAsync("{\"id\":1,\"method\":\"server/one\",\"params\":{\"n\":1}}");
        await peer.WriteLineAsync("{\"id\":2,\"method\":\"server/two\",\"params\":{\"n\":2}}");

        // Each server request is answered with its own id, echoed as it was sent.
        var answers = new Dictionary<long, string>();
        for (var i = 0; i < 3; i++)
        {
            var answer = await peer.ReadMessageAsync();
            Assert.False(answer.TryGetProperty("method", out _));
            answers[answer.GetProperty("id").GetInt64()] = answer.GetProperty("result").GetProperty("handled").GetString()!;
        }

        Assert.Equal("server/zero", answers[0]);
        Assert.Equal("server/one", answers[1]);
        Assert.Equal("server/two", answers[2]);
        Assert.Equal(new[] { "server/zero", "server/one", "server/two" }, handler.ServerRequests.Select(r => r.Method).ToArray());
        Assert.False(first.IsCompleted, "A server request with id 1 completed the client's request 1.");
        Assert.False(second.IsCompleted, "A server request with id 2 completed the client's request 2.");

        // The real responses still complete the client's requests.
        var byMethod = sent.ToDictionary(s => s.GetProperty("method").GetString()!, s => s.GetProperty("id").GetInt64());
        await peer.WriteLineAsync($"{{\"id\":{byMethod["client/two"]},\"result\":{{\"who\":\"two\"}}}}");
        await peer.WriteLineAsync($"{{\"id\":{byMethod["client/one"]},\"result\":{{\"who\":\"one\"}}}}");
        Assert.Equal("one", (await first.WaitAsync(Quick)).GetProperty("who").GetString());
        Assert.Equal("two", (await second.WaitAsync(Quick)).GetProperty("who").GetString());
        Assert.Empty(handler.Malformed);
    }

    [Fact]
    public async Task PeerClosingMidRequestFailsThePendingRequestWithTheExitReason()
    {
        await using var peer = new FakePeer();
        var handler = new RecordingHandler();
        var reasonAsked = 0;
        await using var rpc = peer.Connect(handler, () =>
        {
            Interlocked.Increment(ref reasonAsked);
            return Task.FromResult<Exception>(new CodexRuntimeExitedException(7, "fatal: the fake runtime fell over"));
        });

        var call = rpc.RequestAsync("thread/start", null, CancellationToken.None);
        await peer.ReadMessageAsync();
        await peer.WriteLineAsync("{\"method\":\"some/progress\",\"params\":{}}");
        var stopwatch = Stopwatch.StartNew();
        peer.CloseOutput();

        var error = await Assert.ThrowsAsync<CodexRuntimeExitedException>(() => call.WaitAsync(TimeSpan.FromSeconds(2)));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"The pending request failed only after {stopwatch.Elapsed}.");
        Assert.Equal(7, error.ExitCode);
        Assert.Equal("fatal: the fake runtime fell over", error.StderrTail);
        Assert.Contains("exit code 7", error.Message, StringComparison.Ordinal);
        Assert.Equal("CodexRuntimeExited", error.ErrorId);

        var closedWith = await handler.Closed.WaitAsync(Quick);
        Assert.IsType<CodexRuntimeExitedException>(closedWith);
        Assert.Equal(1, Volatile.Read(ref reasonAsked));
        Assert.NotNull(rpc.TerminalError);
        await rpc.Completion.WaitAsync(Quick);

        // Later requests fail at once with the same reason instead of waiting for ever.
        var late = await Assert.ThrowsAsync<CodexRuntimeExitedException>(
            () => rpc.RequestAsync("turn/start", null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2)));
        Assert.Equal(7, late.ExitCode);
        Assert.Equal("fatal: the fake runtime fell over", late.StderrTail);
    }

    [Fact]
    public async Task OverloadedErrorIsRetriedUntilItSucceeds()
    {
        await using var peer = new FakePeer();
        var handler = new RecordingHandler();
        await using var rpc = peer.Connect(handler);
        rpc.OverloadBaseDelay = TimeSpan.FromMilliseconds(5);

        var call = rpc.RequestAsync("model/list", new JsonObject { ["page"] = 1 }, CancellationToken.None);
        var attempts = new List<JsonElement>();
        for (var i = 0; i < 2; i++)
        {
            var request = await peer.ReadMessageAsync();
            attempts.Add(request);
            await peer.WriteLineAsync($"{{\"id\":{request.GetProperty("id").GetInt64()},\"error\":{{\"code\":-32001,\"message\":\"Server overloaded; retry later.\"}}}}");
        }

        var last = await peer.ReadMessageAsync();
        attempts.Add(last);
        await peer.WriteLineAsync($"{{\"id\":{last.GetProperty("id").GetInt64()},\"result\":{{\"models\":[\"m\"]}}}}");

        var result = await call.WaitAsync(Quick);
        Assert.Equal("m", result.GetProperty("models")[0].GetString());
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, a => Assert.Equal("model/list", a.GetProperty("method").GetString()));
        Assert.All(attempts, a => Assert.Equal(1, a.GetProperty("params").GetProperty("page").GetInt32()));
        Assert.Equal(3, attempts.Select(a => a.GetProperty("id").GetInt64()).Distinct().Count());

        // Nothing more was sent: exactly three attempts.
        var extra = peer.ReadMessageAsync(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAsync<TimeoutException>(() => extra);
    }

    [Fact]
    public async Task OverloadedErrorGivesUpAfterTheConfiguredRetries()
    {
        await using var peer = new FakePeer();
        var handler = new RecordingHandler();
        await using var rpc = peer.Connect(handler);
        rpc.OverloadBaseDelay = TimeSpan.FromMilliseconds(2);
        rpc.OverloadRetries = 2;

        var call = rpc.RequestAsync("busy", null, CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            var request = await peer.ReadMessageAsync();
            await peer.WriteLineAsync($"{{\"id\":{request.GetProperty("id").GetInt64()},\"error\":{{\"code\":-32001,\"message\":\"overloaded\"}}}}");
        }

        var error = await Assert.ThrowsAsync<CodexRpcException>(() => call.WaitAsync(Quick));
        Assert.Equal(-32001, error.Code);
        Assert.Equal("busy", error.Method);
    }

    [Fact]
    public async Task OtherErrorsAreNotRetried()
    {
        await using var peer = new FakePeer();
        var handler = new RecordingHandler();
        await using var rpc = peer.Connect(handler);
        rpc.OverloadBaseDelay = TimeSpan.FromMilliseconds(2);

        var call = rpc.RequestAsync("thread/start", null, CancellationToken.None);
        var request = await peer.ReadMessageAsync();
        await peer.WriteLineAsync($"{{\"id\":{request.GetProperty("id").GetInt64()},\"error\":{{\"code\":-32600,\"message\":\"Not initialized\",\"data\":{{\"hint\":\"x\"}}}}}}");

        var error = await Assert.ThrowsAsync<CodexRpcException>(() => call.WaitAsync(Quick));
        Assert.Equal(-32600, error.Code);
        Assert.Contains("Not initialized", error.Message, StringComparison.Ordinal);
        Assert.Equal("{\"hint\":\"x\"}", error.Data2);
        await Assert.ThrowsAsync<TimeoutException>(() => peer.ReadMessageAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task ARequestWithoutAnAnswerTimesOut()
    {
        await using var peer = new FakePeer();
        var handler = new RecordingHandler();
        await using var rpc = peer.Connect(handler);
        rpc.RequestTimeout = TimeSpan.FromMilliseconds(200);

        var call = rpc.RequestAsync("never/answered", null, CancellationToken.None);
        var request = await peer.ReadMessageAsync();
        var error = await Assert.ThrowsAsync<CodexRuntimeUnresponsiveException>(() => call.WaitAsync(Quick));
        Assert.Equal("never/answered", error.Method);

        // A late answer for the abandoned id is reported, not delivered to anyone.
        await peer.WriteLineAsync($"{{\"id\":{request.GetProperty("id").GetInt64()},\"result\":1}}");
        await RecordingHandler.WaitUntilAsync(() => !handler.Malformed.IsEmpty);
        Assert.Equal("a response to no pending request", handler.Malformed.Single().Reason);
    }

    [Fact]
    public async Task DisposingFailsPendingRequestsAndCanBeRepeated()
    {
        await using var peer = new FakePeer();
        var handler = new RecordingHandler();
        var rpc = peer.Connect(handler);

        var call = rpc.RequestAsync("pending", null, CancellationToken.None);
        await peer.ReadMessageAsync();
        await rpc.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => call.WaitAsync(Quick));
        await rpc.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => rpc.RequestAsync("after", null, CancellationToken.None).WaitAsync(Quick));
        Assert.IsType<ObjectDisposedException>(await handler.Closed.WaitAsync(Quick));
    }
}
