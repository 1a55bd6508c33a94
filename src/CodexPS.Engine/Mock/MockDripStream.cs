namespace CodexPS.Engine.Mock;

/// <summary>Sends what was buffered one byte at a time, pausing between bytes, when flushed.</summary>
internal sealed class MockDripStream : Stream
{
    private readonly Stream _target;
    private readonly TimeSpan _pause;
    private readonly MemoryStream _pending;
    private readonly CancellationToken _stop;

    public MockDripStream(Stream target, TimeSpan pause, MemoryStream pending, CancellationToken stop)
    {
        _target = target;
        _pause = pause;
        _pending = pending;
        _stop = stop;
    }

    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc/>
    public override void Flush() => SyncWait.Wait(FlushAsync(_stop), _stop);

    /// <inheritdoc/>
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        var bytes = _pending.ToArray();
        _pending.SetLength(0);
        for (var i = 0; i < bytes.Length; i++)
        {
            await _target.WriteAsync(bytes.AsMemory(i, 1), _stop).ConfigureAwait(false);
            await _target.FlushAsync(_stop).ConfigureAwait(false);
            await Task.Delay(_pause, _stop).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => _pending.Write(buffer, offset, count);
}
