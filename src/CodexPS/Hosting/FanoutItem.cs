using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Hosting;

/// <summary>
/// One input of Invoke-Codex -ThrottleLimit: its own ephemeral conversation and turn, started and read on an engine
/// task. Nothing here touches PowerShell: events, requests and the end are handed to the pipeline thread through
/// the callbacks, which only queue them.
/// </summary>
internal sealed class FanoutItem
{
    private readonly RuntimePlacement _placement;
    private readonly CodexConversationOptions _conversationOptions;
    private readonly CodexTurnOptions _turnOptions;
    private readonly CancellationTokenSource _stop;
    private readonly Action<FanoutItem, CodexEvent> _onEvent;
    private readonly Action<FanoutItem, Exception?> _onEnd;
    private readonly PipelineThreadRequestHandler _requests;
    private CodexConversation? _conversation;
    private CodexTurn? _turn;
    private volatile bool _stopped;
    private volatile bool _sawEnd;

    public FanoutItem(
        int index,
        object? input,
        string prompt,
        RuntimePlacement placement,
        CodexConversationOptions conversationOptions,
        CodexTurnOptions turnOptions,
        Action<FanoutItem, CodexEvent> onEvent,
        Action<FanoutItem, CodexApprovalRequest, TaskCompletionSource> onRequest,
        Action<FanoutItem, Exception?> onEnd,
        CancellationToken stopAll)
    {
        Index = index;
        Input = input;
        Prompt = prompt;
        _placement = placement;
        RuntimeName = placement.RuntimeName;
        _conversationOptions = conversationOptions;
        _turnOptions = turnOptions;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(stopAll);
        _onEvent = onEvent;
        _onEnd = onEnd;
        _requests = new PipelineThreadRequestHandler((request, answered) => onRequest(this, request, answered));
    }

    /// <summary>The input's position among the command's inputs, from 0.</summary>
    public int Index { get; }

    /// <summary>The input as it was piped (the prompt itself when the prompt was the input).</summary>
    public object? Input { get; }

    public string Prompt { get; }

    /// <summary>A second run of an input whose pool member went down (-Failover): it is not run a third time.</summary>
    public bool IsRetry { get; init; }

    /// <summary>The runtime placement chose (a pool member's own name).</summary>
    public string RuntimeName { get; }

    public CodexConversation? Conversation => Volatile.Read(ref _conversation);

    public CodexTurn? Turn => Volatile.Read(ref _turn);

    /// <summary>The chain that decides this item's requests; built on the pipeline thread at its first request.</summary>
    public ICodexServerRequestHandler? Handler { get; set; }

    /// <summary>The item's work, started by <see cref="Start"/>.</summary>
    public Task Work { get; private set; } = Task.CompletedTask;

    /// <summary>
    /// Whether the reading reached TurnCompleted (the turn's result is then whole). The turn's Completion task may be
    /// completed a moment after its queue, so this, not Completion, tells the end was read.
    /// </summary>
    public bool SawEnd => _sawEnd;

    /// <summary>Whether the turn was stopped by the command (Ctrl+C, Select-Object -First, an error), not by its own end.</summary>
    public bool IsStopped => _stopped;

    public void Start()
    {
        Work = Task.Run(RunAsync);
    }

    /// <summary>
    /// Interrupts the turn (turn/interrupt through its TurnStopper, even before the runtime has named it) and ends the
    /// reading; a start still in flight is stopped by the engine once it has started. Safe on any thread.
    /// </summary>
    public void Stop()
    {
        _stopped = true;
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already over.
        }

        Turn?.StopReading();
    }

    private async Task RunAsync()
    {
        Exception? failure = null;
        try
        {
            // thread/start is not abandoned when the command stops: its answer would arrive for nobody (a warning), and it
            // is quick; the turn is what a stop must reach, and it is never started for a stopped item.
            var conversation = await _placement.Client.StartConversationAsync(_conversationOptions, CancellationToken.None).ConfigureAwait(false);
            Volatile.Write(ref _conversation, conversation);
            _stop.Token.ThrowIfCancellationRequested();
            var turn = await conversation.StartTurnAsync(Prompt, _turnOptions, _stop.Token).ConfigureAwait(false);
            Volatile.Write(ref _turn, turn);

            // The member now counts the turn itself; the hold only covered the time before it did.
            _placement.Dispose();
            if (_stopped)
            {
                turn.StopReading();
            }

            using var notices = turn.ReceiveNotices(warnings: true, verbose: false, debug: false);
            await foreach (var evt in turn.ReadEventsAsync(_requests, answered: null, _stop.Token).ConfigureAwait(false))
            {
                if (evt is TurnCompletedEvent)
                {
                    _sawEnd = true;
                }

                _onEvent(this, evt);
            }
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            _placement.Dispose();
            _onEnd(this, failure);
            _stop.Dispose();
        }
    }
}
