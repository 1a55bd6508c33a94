namespace CodexPS.Engine.Runtime.Install;

/// <summary>
/// How far an installation is, written by the installing task and read by whoever shows progress (another thread),
/// so every member is read and written atomically.
/// </summary>
public sealed class CodexRuntimeInstallProgress
{
    private int _phase;
    private long _bytesDone;
    private long _bytesTotal = -1;

    /// <summary>The current step.</summary>
    public CodexRuntimeInstallPhase Phase => (CodexRuntimeInstallPhase)Volatile.Read(ref _phase);

    /// <summary>Bytes downloaded (Downloading) or compressed bytes extracted (Extracting).</summary>
    public long BytesDone => Interlocked.Read(ref _bytesDone);

    /// <summary>The size of the archive; null while unknown (no Content-Length).</summary>
    public long? BytesTotal => Interlocked.Read(ref _bytesTotal) is var total and >= 0 ? total : null;

    internal void Enter(CodexRuntimeInstallPhase phase)
    {
        Interlocked.Exchange(ref _bytesDone, 0);
        Volatile.Write(ref _phase, (int)phase);
    }

    internal void SetTotal(long? total) => Interlocked.Exchange(ref _bytesTotal, total ?? -1);

    internal void SetDone(long done) => Interlocked.Exchange(ref _bytesDone, done);
}
