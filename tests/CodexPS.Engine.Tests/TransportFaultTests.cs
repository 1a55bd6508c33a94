using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Rpc;
using Xunit.Abstractions;

namespace CodexPS.Engine.Tests;

/// <summary>
/// The transport fed by a fake runtime (an in-memory pipe pair): garbage, a 50 MB line, a flood of notifications
/// nobody asked for. Nothing may crash, hang, or keep memory it does not need.
/// </summary>
public sealed class TransportFaultTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(10);
    private readonly ITestOutputHelper _output;

    public TransportFaultTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public async Task SeededRandomGarbageIsSkippedAndTheConnectionStillAnswers()
    {
        await using var peer = new FakePeer();
        var handler = new CountingHandler();
        await using var rpc = peer.Connect(handler);

        // 4 MB of random bytes cut into lines of random length (some of them braces and quotes, to look half like JSON).
        var random = new Random(20261128);
        var lines = 0;
        for (var written = 0; written < 4 * 1024 * 1024;)
        {
            var line = new byte[random.Next(1, 2000)];
            random.NextBytes(line);
            for (var i = 0; i < line.Length; i++)
            {
                if (line[i] == (byte)'\n')
                {
                    line[i] = (byte)'{';
                }
                else if (random.Next(8) == 0)
                {
                    line[i] = (byte)"{}[]\":,"[random.Next(7)];
                }
            }

            await peer.WriteBytesAsync(line.Append((byte)'\n').ToArray());
            written += line.Length + 1;
            lines++;
        }

        var call = rpc.RequestAsync("after/garbage", null, CancellationToken.None);
        var request = await peer.ReadMessageAsync(Quick);
        await peer.WriteLineAsync($"{{\"id\":{request.GetProperty("id").GetInt64()},\"result\":\"still here\"}}");
        Assert.Equal("still here", (await call.WaitAsync(Quick)).GetString());

        _output.WriteLine($"{lines} random lines: {handler.Malformed} reported malformed, {handler.Notifications} notifications.");
        Assert.True(handler.Malformed >= lines * 9 / 10, $"{handler.Malformed} of {lines} lines were reported");
        Assert.False(handler.Closed.IsCompleted);
    }

    [Fact]
    public async Task AFiftyMegabyteLineIsDeliveredAndItsBufferIsGivenBack()
    {
        await using var peer = new FakePeer();
        var handler = new CountingHandler();
        await using var rpc = peer.Connect(handler);

        // Warm up and measure what the connection holds at rest.
        await peer.WriteLineAsync("{\"method\":\"warm/up\",\"params\":{}}");
        await RecordingHandler.WaitUntilAsync(() => handler.Notifications == 1, Quick);
        var before = Settled();

        var size = 50 * 1024 * 1024;
        var afterFirst = 0L;
        for (var round = 1; round <= 2; round++)
        {
            await SendBigLineAsync(peer, size);
            await RecordingHandler.WaitUntilAsync(() => handler.Notifications == 2 * round, TimeSpan.FromSeconds(60));
            Assert.Equal(size, handler.LastDataLength);

            // A small line afterwards; then measure what is still held.
            await peer.WriteLineAsync("{\"method\":\"small/after\",\"params\":{}}");
            await RecordingHandler.WaitUntilAsync(() => handler.Notifications == 2 * round + 1, Quick);
            var held = Settled();
            _output.WriteLine($"managed memory at rest: {before / 1024} KB before, {held / 1024} KB after big line {round} ({size / 1024 / 1024} MB)");
            if (round == 1)
            {
                // System.Text.Json parks one array the size of the line in the shared ArrayPool (64 MB); the reader's own
                // 64 MB buffer must be gone, or twice that would be held.
                Assert.True(held - before < 96 * 1024 * 1024, $"{(held - before) / 1024 / 1024} MB more is held after the big line");
                afterFirst = held;
            }
            else
            {
                Assert.True(held - afterFirst < 8 * 1024 * 1024, $"a second big line added {(held - afterFirst) / 1024 / 1024} MB");
            }
        }

        Assert.Equal(0, handler.Malformed);
    }

    [Fact]
    public async Task AMillionUnknownNotificationsLeaveTheClientResponsiveAndItsMemoryBounded()
    {
        await using var peer = new FakePeer();
        var options = new CodexClientOptions { RequestTimeout = TimeSpan.FromSeconds(30) };
        var client = CodexClient.OverStreams(peer.ClientInput, peer.ClientOutput, options);
        try
        {
            // Warm the paths up, then measure.
            await peer.WriteLineAsync("{\"method\":\"made/up\",\"params\":{\"threadId\":\"nobody\"}}");
            var before = Settled();
            var clock = Stopwatch.StartNew();
            const int count = 1_000_000;
            var chunk = new StringBuilder();
            for (var i = 0; i < count; i++)
            {
                // Three shapes: a notification for no thread, one naming a thread nobody has, and a line that is not JSON.
                chunk.Append((i % 3) switch
                {
                    0 => "{\"method\":\"made/up/notification\",\"params\":{\"n\":" + i + "},\"emittedAtMs\":1700000000000}\n",
                    1 => "{\"method\":\"item/agentMessage/delta\",\"params\":{\"threadId\":\"no-such-thread\",\"turnId\":\"t\",\"itemId\":\"i\",\"delta\":\"x\"}}\n",
                    _ => "not json " + i + "\n",
                });
                if (chunk.Length > 64 * 1024)
                {
                    await peer.WriteBytesAsync(Encoding.UTF8.GetBytes(chunk.ToString()));
                    chunk.Clear();
                }
            }

            await peer.WriteBytesAsync(Encoding.UTF8.GetBytes(chunk.ToString()));

            // The request is answered only after the reader got through the whole flood.
            var call = client.RequestAsync("after/flood", null, CancellationToken.None);
            var request = await peer.ReadMessageAsync(TimeSpan.FromSeconds(30));
            await peer.WriteLineAsync($"{{\"id\":{request.GetProperty("id").GetInt64()},\"result\":\"alive\"}}");
            Assert.Equal("alive", (await call.WaitAsync(TimeSpan.FromSeconds(120))).GetString());
            clock.Stop();

            var after = Settled();
            var warnings = client.DrainWarnings();
            _output.WriteLine($"{count:N0} lines in {clock.Elapsed.TotalSeconds:0.0} s; managed memory {before / 1024} KB before, {after / 1024} KB after; {warnings.Count} warnings kept");
            Assert.Equal(CodexRuntimeState.Running, client.State);
            Assert.True(warnings.Count <= 200, $"{warnings.Count} warnings were kept");
            Assert.Contains(warnings, w => w.Contains("not JSON", StringComparison.Ordinal));
            Assert.True(after - before < 16 * 1024 * 1024, $"{(after - before) / 1024 / 1024} MB more is held after the flood");
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task ALineCutOffByTheRuntimeDyingFailsPendingRequestsWithoutHanging()
    {
        await using var peer = new FakePeer();
        var handler = new CountingHandler();
        await using var rpc = peer.Connect(handler);

        var call = rpc.RequestAsync("never/answered", null, CancellationToken.None);
        var request = await peer.ReadMessageAsync(Quick);
        await peer.WriteBytesAsync(Encoding.UTF8.GetBytes($"{{\"id\":{request.GetProperty("id").GetInt64()},\"result\":{{\"half\":\"of a"));
        peer.CloseOutput();

        var error = await Assert.ThrowsAsync<CodexRuntimeExitedException>(() => call.WaitAsync(Quick));
        Assert.Equal("CodexRuntimeExited", error.ErrorId);
        Assert.Equal(1, handler.Malformed);
        await handler.Closed.WaitAsync(Quick);
    }

    /// <summary>One notification line with a string of <paramref name="size"/> bytes, written in 64 KB pieces as a pipe delivers it.</summary>
    private static async Task SendBigLineAsync(FakePeer peer, int size)
    {
        var head = Encoding.ASCII.GetBytes("{\"method\":\"big/line\",\"params\":{\"data\":\"");
        var tail = Encoding.ASCII.GetBytes("\"}}\n");
        var piece = new byte[64 * 1024];
        piece.AsSpan().Fill((byte)'x');
        await peer.WriteBytesAsync(head);
        for (var left = size; left > 0; left -= piece.Length)
        {
            await peer.WriteBytesAsync(left >= piece.Length ? piece : piece[..left]);
        }

        await peer.WriteBytesAsync(tail);
    }

    /// <summary>Managed memory after full collections, so what is measured is what is still referenced.</summary>
    private static long Settled()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Counts what arrives and keeps nothing of it, so memory measures the connection alone.</summary>
    private sealed class CountingHandler : IJsonRpcHandler
    {
        private readonly TaskCompletionSource<Exception> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _notifications;
        private int _malformed;

        public int Notifications => Volatile.Read(ref _notifications);

        public int Malformed => Volatile.Read(ref _malformed);

        public int LastDataLength { get; private set; }

        public Task<Exception> Closed => _closed.Task;

        public ValueTask OnNotificationAsync(string method, JsonElement parameters, JsonElement message)
        {
            if (parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("data", out var data))
            {
                LastDataLength = data.GetString()!.Length;
            }

            Interlocked.Increment(ref _notifications);
            return ValueTask.CompletedTask;
        }

        public ValueTask OnServerRequestAsync(JsonElement id, string method, JsonElement parameters, JsonElement message) => ValueTask.CompletedTask;

        public void OnMalformedLine(string reason, string excerpt) => Interlocked.Increment(ref _malformed);

        public void OnClosed(Exception error) => _closed.TrySetResult(error);
    }
}

/// <summary>The watchdog against a fake runtime that answers probes, or answers nothing at all.</summary>
public sealed class WatchdogTests
{
    [Fact]
    public async Task ARuntimeThatAnswersProbesIsNotGivenUpWhileARequestWaitsLong()
    {
        await using var peer = new FakePeer();
        var options = new CodexClientOptions { RequestTimeout = null, ResponseTimeout = TimeSpan.FromMilliseconds(400) };
        var client = CodexClient.OverStreams(peer.ClientInput, peer.ClientOutput, options);
        try
        {
            var slow = client.RequestAsync("slow/work", null, CancellationToken.None);
            var first = await peer.ReadMessageAsync();
            Assert.Equal("slow/work", first.GetProperty("method").GetString());

            // For three seconds the fake runtime answers only the probes.
            var until = DateTime.UtcNow.AddSeconds(3);
            var probes = 0;
            while (DateTime.UtcNow < until)
            {
                JsonElement message;
                try
                {
                    message = await peer.ReadMessageAsync(until - DateTime.UtcNow + TimeSpan.FromMilliseconds(50));
                }
                catch (TimeoutException)
                {
                    break;
                }

                Assert.Equal(CodexClient.ProbeMethod, message.GetProperty("method").GetString());
                probes++;
                await peer.WriteLineAsync($"{{\"id\":{message.GetProperty("id").GetInt64()},\"result\":{{\"data\":[]}}}}");
            }

            Assert.True(probes >= 1, "the silent runtime was probed");
            Assert.Equal(CodexRuntimeState.Running, client.State);
            Assert.False(slow.IsCompleted);

            await peer.WriteLineAsync($"{{\"id\":{first.GetProperty("id").GetInt64()},\"result\":\"finally\"}}");
            Assert.Equal("finally", (await slow.WaitAsync(TimeSpan.FromSeconds(5))).GetString());
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task ARuntimeThatAnswersNothingIsGivenUpWithCodexRuntimeUnresponsive()
    {
        await using var peer = new FakePeer();
        var options = new CodexClientOptions { RequestTimeout = null, ResponseTimeout = TimeSpan.FromMilliseconds(400) };
        var client = CodexClient.OverStreams(peer.ClientInput, peer.ClientOutput, options);
        var exited = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Exited += (_, error) => exited.TrySetResult(error);
        try
        {
            var clock = Stopwatch.StartNew();
            var call = client.RequestAsync("never/answered", null, CancellationToken.None);
            var error = await Assert.ThrowsAsync<CodexRuntimeUnresponsiveException>(() => call.WaitAsync(TimeSpan.FromSeconds(20)));
            clock.Stop();

            Assert.Equal("CodexRuntimeUnresponsive", error.ErrorId);
            Assert.Equal(CodexClient.ProbeMethod, error.Method);
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(700), $"given up after {clock.ElapsedMilliseconds} ms: the silence and the probe each get their time");
            Assert.Equal(CodexRuntimeState.Exited, client.State);
            Assert.IsType<CodexRuntimeUnresponsiveException>(client.ExitError);
            Assert.IsType<CodexRuntimeUnresponsiveException>(await exited.Task.WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.True(client.ProbeCount >= 1);

            // Later requests fail at once instead of waiting.
            await Assert.ThrowsAsync<CodexException>(() => client.RequestAsync("later", null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            await client.DisposeAsync();
        }
    }
}
