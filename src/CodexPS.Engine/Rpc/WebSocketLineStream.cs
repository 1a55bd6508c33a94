using System.Net.WebSockets;

namespace CodexPS.Engine.Rpc;

/// <summary>
/// A runtime's WebSocket transport (one JSON-RPC message per text frame) seen as the newline-delimited stream
/// <see cref="JsonRpcConnection"/> reads and writes: each received message is followed by a newline, and each
/// written line goes out as one text frame.
/// </summary>
public sealed class WebSocketLineStream : Stream
{
    private static readonly byte[] NewLine = { (byte)'\n' };
    private readonly WebSocket _socket;
    private readonly MemoryStream _outgoing = new();
    private readonly byte[] _frame = new byte[64 * 1024];
    // Ends a read the reader thread is blocked in when the stream is disposed. Never disposed itself: the reader
    // may still read its token after Dispose, and the stream is disposed more than once (by the connection for its
    // input and its output, and by the client).
    private readonly CancellationTokenSource _closing = new();
    private int _disposed;
    private ReadOnlyMemory<byte> _pending = ReadOnlyMemory<byte>.Empty;

    /// <summary>Wraps a connected socket; the stream owns it and closes it when disposed.</summary>
    public WebSocketLineStream(WebSocket socket) => _socket = socket;

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>The reader thread's call: blocks until a frame arrives, and ends when the stream is disposed.</summary>
    public override int Read(byte[] buffer, int offset, int count) =>
        SyncWait.Wait(ReadAsync(buffer.AsMemory(offset, count), _closing.Token).AsTask(), _closing.Token);

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_pending.IsEmpty)
        {
            if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseSent))
            {
                return 0;
            }

            WebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(new ArraySegment<byte>(_frame), cancellationToken).ConfigureAwait(false);
            }
            catch (WebSocketException)
            {
                return 0;
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return 0;
            }

            _pending = result.EndOfMessage ? Concat(_frame.AsMemory(0, result.Count)) : _frame.AsMemory(0, result.Count).ToArray();
        }

        var n = Math.Min(buffer.Length, _pending.Length);
        _pending[..n].CopyTo(buffer);
        _pending = _pending[n..];
        return n;
    }

    private static ReadOnlyMemory<byte> Concat(ReadOnlyMemory<byte> message)
    {
        var copy = new byte[message.Length + 1];
        message.CopyTo(copy);
        copy[^1] = NewLine[0];
        return copy;
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => _outgoing.Write(buffer, offset, count);

    /// <summary>Only buffers: a line goes out as one frame when it is flushed.</summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _outgoing.WriteAsync(buffer, cancellationToken);

    /// <inheritdoc/>
    public override void Flush() => SyncWait.Wait(FlushAsync(_closing.Token), _closing.Token);

    /// <summary>Sends every complete line written so far as its own text frame.</summary>
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        var data = _outgoing.GetBuffer().AsMemory(0, (int)_outgoing.Length);
        var start = 0;
        for (var i = 0; i < data.Length; i++)
        {
            if (data.Span[i] != NewLine[0])
            {
                continue;
            }

            if (i > start)
            {
                await _socket.SendAsync(data[start..i], WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
            }

            start = i + 1;
        }

        var rest = data[start..].ToArray();
        _outgoing.SetLength(0);
        // The unsent rest of a line is kept whatever happens to this flush.
        await _outgoing.WriteAsync(rest, CancellationToken.None).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                if (_socket.State == WebSocketState.Open)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    SyncWait.Wait(_socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "CodexPS disconnects", timeout.Token), timeout.Token);
                }
            }
            catch (Exception)
            {
                // Closing is best effort; the socket is disposed either way.
            }

            // Ends a read the reader thread may still be blocked in (the close is sent first, as a peer expects).
            _closing.Cancel();
            _socket.Dispose();
            _outgoing.Dispose();
        }

        base.Dispose(disposing);
    }
}
