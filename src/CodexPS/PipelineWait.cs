using System.Diagnostics.CodeAnalysis;

namespace CodexPS;

/// <summary>
/// The module's sanctioned synchronous waits on engine tasks, in one place. PowerShell calls cmdlets and argument
/// completers synchronously on the pipeline thread, so that thread must block on engine work; every wait here ends on
/// a token (the cmdlet's Ctrl+C token, or a completer's time limit), so nothing blocks forever. The engine installs no
/// synchronization context, so the awaited work never needs the blocked thread.
/// </summary>
[SuppressMessage("Usage", "VSTHRD002:Avoid problematic synchronous waits", Justification = "The sanctioned blocking points of the module; every wait takes a token that ends it.")]
internal static class PipelineWait
{
    /// <summary>Blocks until <paramref name="task"/> ends or <paramref name="cancellationToken"/> is cancelled.</summary>
    public static void Wait(Task task, CancellationToken cancellationToken) =>
        task.WaitAsync(cancellationToken).GetAwaiter().GetResult();

    /// <summary>Blocks until <paramref name="task"/> ends or <paramref name="cancellationToken"/> is cancelled.</summary>
    public static T Wait<T>(Task<T> task, CancellationToken cancellationToken) =>
        task.WaitAsync(cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// Waits at most <paramref name="limit"/> for work that must not hold up what called it (a stop, a clean-up at
    /// module removal or host exit); true when it ended in time. A failure of the work is thrown.
    /// </summary>
    public static bool WaitAtMost(Task task, TimeSpan limit)
    {
        try
        {
            task.WaitAsync(limit).GetAwaiter().GetResult();
            return true;
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            return false;
        }
    }

    /// <summary>The result of a task that has already completed successfully (checked by the caller); never blocks.</summary>
    public static T CompletedResult<T>(Task<T> task) =>
        task.IsCompletedSuccessfully ? task.GetAwaiter().GetResult() : throw new InvalidOperationException("The task has not completed successfully.");

    /// <summary>
    /// Runs engine work for a completer within <paramref name="limit"/>: completion runs while the user types and
    /// must never hang the editor, so the work's token and the wait both end at the limit.
    /// </summary>
    public static T Bounded<T>(Func<CancellationToken, Task<T>> work, TimeSpan limit)
    {
        using var cancellation = new CancellationTokenSource(limit);
        return Wait(work(cancellation.Token), cancellation.Token);
    }
}
