using System.Diagnostics.CodeAnalysis;

namespace CodexPS.Engine;

/// <summary>
/// The engine's only sanctioned synchronous waits on tasks. They exist where a synchronous API is the contract
/// (Stream.Read/Write/Flush, the reader thread holding back while a handler makes room) and every wait takes a token
/// that ends it, so nothing can block forever. The engine installs no synchronization context, so the awaited work
/// never needs the blocked thread.
/// </summary>
[SuppressMessage("Usage", "VSTHRD002:Avoid problematic synchronous waits", Justification = "The sanctioned blocking points: synchronous Stream overrides and the reader thread's backpressure; each wait is bounded by a token.")]
internal static class SyncWait
{
    /// <summary>Blocks until <paramref name="task"/> ends or <paramref name="cancellationToken"/> is cancelled.</summary>
    public static void Wait(Task task, CancellationToken cancellationToken) =>
        task.WaitAsync(cancellationToken).GetAwaiter().GetResult();

    /// <summary>Blocks until <paramref name="task"/> ends or <paramref name="cancellationToken"/> is cancelled.</summary>
    public static T Wait<T>(Task<T> task, CancellationToken cancellationToken) =>
        task.WaitAsync(cancellationToken).GetAwaiter().GetResult();
}
