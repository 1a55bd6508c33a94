using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using CodexPS.Engine.Rpc;

namespace CodexPS.Engine.Tests;

/// <summary>
/// A scripted stand-in for the runtime's side of the pipes: two in-memory pipes, one the connection reads
/// (what the "runtime" writes) and one the connection writes (what the "runtime" reads).
/// </summary>
internal sealed class FakePeer : IAsyncDisposable
{
    private readonly Pipe _toClient = new();
    private readonly Pipe _toPeer = new();
    private readonly Stream _peerOutput;
    private readonly StreamReader _peerInput;

    public FakePeer()
    {
        ClientInput = _toClient.Reader.AsStream();
        ClientOutput = _toPeer.Writer.AsStream();
        _peerOutput = _toClient.Writer.AsStream();
        _peerInput = new StreamReader(_toPeer.Reader.AsStream(), new UTF8Encoding(false));
    }

    /// <summary>What the connection reads (the runtime's stdout).</summary>
    public Stream ClientInput { get; }

    /// <summary>What the connection writes (the runtime's stdin).</summary>
    public Stream ClientOutput { get; }

    public JsonRpcConnection Connect(IJsonRpcHandler handler, Func<Task<Exception>>? closeReason = null)
    {
        var connection = new JsonRpcConnection(ClientInput, ClientOutput, handler, closeReason);
        connection.Start();
        return connection;
    }

    /// <summary>The next message the connection sent, parsed; fails the test if none comes within the timeout.</summary>
    public async Task<JsonElement> ReadMessageAsync(TimeSpan? timeout = null)
    {
        var line = await _peerInput.ReadLineAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(5));
        Assert.NotNull(line);
        using var document = JsonDocument.Parse(line!);
        return document.RootElement.Clone();
    }

    public Task WriteLineAsync(string json) => WriteBytesAsync(Encoding.UTF8.GetBytes(json + "\n"));

    public async Task WriteBytesAsync(byte[] bytes)
    {
        await _peerOutput.WriteAsync(bytes);
        await _peerOutput.FlushAsync();
    }

    /// <summary>The "runtime" closes its stdout, as a process does when it exits.</summary>
    public void CloseOutput() => _toClient.Writer.Complete();

    public ValueTask DisposeAsync()
    {
        _toClient.Writer.Complete();
        _toPeer.Reader.Complete();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Records everything the connection hands to its handler.</summary>
internal sealed class RecordingHandler : IJsonRpcHandler
{
    private readonly TaskCompletionSource<Exception> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<(string Method, JsonElement Params)> Notifications { get; } = new();

    public ConcurrentQueue<(JsonElement Id, string Method, JsonElement Params)> ServerRequests { get; } = new();

    public ConcurrentQueue<(string Reason, string Excerpt)> Malformed { get; } = new();

    /// <summary>Called after a server request is recorded; lets a test answer it.</summary>
    public Func<JsonElement, string, Task>? OnServerRequest { get; set; }

    public Task<Exception> Closed => _closed.Task;

    public ValueTask OnNotificationAsync(string method, JsonElement parameters, JsonElement message)
    {
        Notifications.Enqueue((method, parameters.ValueKind == JsonValueKind.Undefined ? default : parameters.Clone()));
        return ValueTask.CompletedTask;
    }

    public async ValueTask OnServerRequestAsync(JsonElement id, string method, JsonElement parameters, JsonElement message)
    {
        var ownId = id.Clone();
        ServerRequests.Enqueue((ownId, method, parameters.ValueKind == JsonValueKind.Undefined ? default : parameters.Clone()));
        if (OnServerRequest is { } answer)
        {
            await answer(ownId, method);
        }
    }

    public void OnMalformedLine(string reason, string excerpt) => Malformed.Enqueue((reason, excerpt));

    public void OnClosed(Exception error) => _closed.TrySetResult(error);

    /// <summary>Waits until the condition holds (the reader works on its own task).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("The condition did not hold in time.");
            }

            await Task.Delay(10);
        }
    }
}
