using System.Text.Json.Nodes;

namespace CodexPS.Engine.Conversations;

/// <summary>
/// Makes a stop reach the runtime as turn/interrupt, whenever it comes. A stop that comes before the runtime has
/// named the turn is remembered and sent with the id; one sent before the runtime reports the turn running is sent
/// once more at turn/started, because the runtime ignores an interrupt for a turn that has not begun yet.
/// </summary>
internal sealed class TurnStopper
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(5);
    private readonly CodexTurn _turn;
    private int _requested;
    private int _sentBeforeStart;
    private int _sentAfterStart;
    private volatile bool _started;

    public TurnStopper(CodexTurn turn)
    {
        _turn = turn;
    }

    public bool IsRequested => Volatile.Read(ref _requested) != 0;

    /// <summary>The consumer has gone: interrupt now if the id is known, else as soon as it is.</summary>
    public void Request()
    {
        Interlocked.Exchange(ref _requested, 1);
        _ = SendOnceAsync(observe: false, CancellationToken.None);
    }

    /// <summary>An explicit interrupt (Stop-CodexTurn, Ctrl+C): like <see cref="Request"/>, and its failure is the caller's to see.</summary>
    public Task InterruptAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _requested, 1);
        return SendOnceAsync(observe: true, cancellationToken);
    }

    public void OnIdKnown()
    {
        if (IsRequested)
        {
            _ = SendOnceAsync(observe: false, CancellationToken.None);
        }
    }

    public void OnStarted()
    {
        _started = true;
        if (IsRequested)
        {
            _ = SendOnceAsync(observe: false, CancellationToken.None);
        }
    }

    private async Task SendOnceAsync(bool observe, CancellationToken cancellationToken)
    {
        if (_turn.IsCompleted || _turn.Id is not { } id)
        {
            return;
        }

        // One interrupt before the runtime reports the turn running and one after; any more would say nothing new.
        var first = _started
            ? Interlocked.Exchange(ref _sentAfterStart, 1) == 0
            : Interlocked.Exchange(ref _sentBeforeStart, 1) == 0;
        if (!first && !observe)
        {
            return;
        }

        var parameters = new JsonObject { ["threadId"] = _turn.Conversation.Id, ["turnId"] = id };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(SendTimeout);
            await _turn.Conversation.Client.Rpc.RequestAsync("turn/interrupt", parameters, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!observe && ex is not OutOfMemoryException)
        {
            // Nobody waits for this one: the runtime may be gone, or the turn may have ended on its own meanwhile.
        }
    }
}
