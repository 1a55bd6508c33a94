namespace CodexPS.Engine.Conversations;

/// <summary>
/// The watchdog of a runtime that stops answering (stopped with SIGSTOP, deadlocked, swapped out for ever): a turn
/// in flight waits on notifications, not on an answer, so no request timeout would ever end it.
/// </summary>
public sealed partial class CodexClient
{
    /// <summary>The request the watchdog probes with: answered from the runtime's memory, it never reaches the model.</summary>
    internal const string ProbeMethod = "thread/loaded/list";

    private Timer? _watchdog;
    private int _probing;

    /// <summary>How many probes the watchdog has sent (each one after a silence of the response timeout).</summary>
    public int ProbeCount => Volatile.Read(ref _probeCount);

    private int _probeCount;

    private void StartWatchdog()
    {
        if (_options.ResponseTimeout is { } timeout && timeout > TimeSpan.Zero)
        {
            var period = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 4, 50, 5000));
            _watchdog = new Timer(_ => _ = WatchAsync(timeout), null, period, period);
        }
    }

    private void StopWatchdog() => Interlocked.Exchange(ref _watchdog, null)?.Dispose();

    /// <summary>Work is outstanding when a turn runs or a request waits for its answer.</summary>
    private bool HasOutstandingWork()
    {
        if (_rpc is { PendingRequestCount: > 0 })
        {
            return true;
        }

        foreach (var conversation in _conversations.Values)
        {
            if (conversation.ActiveTurn is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One tick: probe a silent runtime with outstanding work; give it up when the probe goes unanswered too.</summary>
    private async Task WatchAsync(TimeSpan timeout)
    {
        if (State != CodexRuntimeState.Running || _rpc is not { } rpc || Interlocked.Exchange(ref _probing, 1) != 0)
        {
            return;
        }

        try
        {
            // The reader waiting for our own consumer (a full turn buffer) reads nothing: that silence is ours.
            if (!HasOutstandingWork() || rpc.IsDispatching || rpc.SinceLastReceived < timeout)
            {
                return;
            }

            Interlocked.Increment(ref _probeCount);
            var probe = rpc.RequestAsync(ProbeMethod, null, CancellationToken.None);
            try
            {
                await probe.WaitAsync(timeout).ConfigureAwait(false);
                return;
            }
            catch (TimeoutException)
            {
                // Judged below.
            }
            catch (Exception)
            {
                // Any answer, even an error, shows the runtime is alive; a closed connection is reported on its own.
                return;
            }

            if (State != CodexRuntimeState.Running || rpc.IsDispatching || rpc.SinceLastReceived < timeout)
            {
                // Something arrived meanwhile (or our own consumer held the reader): not a hung runtime.
                return;
            }

            var pid = ProcessId is { } id ? $" (pid {id})" : string.Empty;
            GiveUp(new CodexRuntimeUnresponsiveException(ProbeMethod, timeout,
                $"The codex runtime{pid} sent nothing for {rpc.SinceLastReceived.TotalSeconds:0.#} s and did not answer a probe within {timeout.TotalSeconds:0.#} s " +
                "(Connect-Codex -ResponseTimeoutSec); it was stopped, and the next command starts a new one."));
        }
        finally
        {
            Volatile.Write(ref _probing, 0);
        }
    }

    /// <summary>
    /// Gives the runtime up from outside, as the watchdog does: a pool whose health probe (readyz) a remote member stops
    /// answering. Its turns fail with <paramref name="reason"/> (for a pool member, CodexRuntimeUnavailable around it).
    /// </summary>
    public void Abandon(Exception reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        GiveUp(reason);
    }

    /// <summary>
    /// Declares the runtime hung: its turns fail with <paramref name="error"/> (what they received stays readable),
    /// its conversations are detached for recovery, and the process is killed (SIGKILL ends a stopped process too).
    /// </summary>
    private void GiveUp(Exception error)
    {
        if (Interlocked.CompareExchange(ref _state, (int)CodexRuntimeState.Exited, (int)CodexRuntimeState.Running) != (int)CodexRuntimeState.Running)
        {
            return;
        }

        error = AsMemberError(error);
        ExitError = error;
        StopIdleWatch();
        StopWatchdog();
        _rpc?.Abort(error);
        foreach (var conversation in _conversations.Values)
        {
            conversation.ActiveTurn?.Fail(error);
        }

        DetachConversations(error);
        _process?.Kill();
        _remote?.Dispose();
        Exited?.Invoke(this, error);
    }
}
