using System.Management.Automation;
using System.Threading.Channels;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;
using CodexPS.Hosting;

namespace CodexPS.Commands;

/// <summary>
/// Invoke-Codex -ThrottleLimit: each input runs on an engine task (FanoutItem), at most ThrottleLimit at once. The
/// tasks only queue what happens; the pipeline thread drains that one queue in ProcessRecord and EndProcessing and
/// does everything that touches PowerShell there: requests (-WhatIf, -ApprovalHandler, prompts, -Tool), warnings,
/// errors, progress and the results, in input order unless -AsCompleted.
/// </summary>
public sealed partial class InvokeCodexCommand
{
    private const int FanoutActivityId = 0x0C0D;
    private readonly Channel<Action> _posted = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<FanoutItem> _running = new();
    private readonly HashSet<CodexClient> _clients = new();

    // Input index → its result (null: the input ended without one); written out in index order from _nextToWrite.
    private readonly SortedDictionary<int, CodexTurnResult?> _finished = new();
    private CancellationTokenSource? _fanoutStop;
    private CancellationTokenRegistration _ctrlC;
    private int _nextToWrite;
    private int _done;
    private int _failed;
    private bool _inputEnded;
    private bool _progressShown;

    private void BeginFanout()
    {
        _fanoutStop = new CancellationTokenSource();

        // Ctrl+C can come while the pipeline thread waits for the next input, where no pump runs: stop the turns from here.
        _ctrlC = CancellationToken.Register(() => StopFanout(waitForTurns: false));
    }

    private void ProcessFanout(int index, object? input, string prompt)
    {
        // At most ThrottleLimit turns at once: the next input waits here, and results that ended meanwhile are written.
        Pump(() => _running.Count < ThrottleLimit!.Value);
        StartItem(index, input, prompt, retry: false);
        Pump(() => true);
    }

    /// <summary>Places one input and starts its item; false (after writing why and counting it) when it cannot start.</summary>
    private bool StartItem(int index, object? input, string prompt, bool retry)
    {
        var options = Prepare(input, prompt);
        if (options is null)
        {
            Finished(index, null, failed: true);
            return false;
        }

        // One queue for every item: deltas are read only when they are asked for (no live text in a fan-out).
        options.IncludeDeltas = IncludeDelta;
        var cwd = options.WorkingDirectory ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        RuntimePlacement placement;
        try
        {
            placement = PlaceConversation(Affinity);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, input));
            Finished(index, null, failed: true);
            return false;
        }

        if (ToolCallRunner.Check(placement.Client, Tool, out var tools) is { } refused)
        {
            placement.Dispose();
            WriteError(ToErrorRecord(refused.Error, refused.Target));
            Finished(index, null, failed: true);
            return false;
        }

        var item = new FanoutItem(index, input, prompt, placement, ConversationOptions(cwd, tools), options,
            onEvent: (item, evt) => Post(() => OnItemEvent(item, evt)),
            onRequest: (item, request, answered) => Post(() => OnItemRequest(item, request, answered)),
            onEnd: (item, failure) => Post(() => OnItemEnd(item, failure)),
            _fanoutStop!.Token)
        {
            IsRetry = retry,
        };
        lock (_running)
        {
            _running.Add(item);
        }

        _clients.Add(placement.Client);

        item.Start();
        WriteFanoutProgress();
        return true;
    }

    private void EndFanout()
    {
        _inputEnded = true;
        Pump(() => _running.Count == 0);
        WriteReady();

        // What the runtimes raised meanwhile outside any turn (metrics, stray lines), as a turn read here would end with.
        foreach (var client in _clients)
        {
            WriteClientWarnings(client);
        }

        if (_progressShown)
        {
            WriteProgress(new ProgressRecord(FanoutActivityId, "Invoke-Codex", ProgressText()) { RecordType = ProgressRecordType.Completed, PercentComplete = 100 });
        }
    }

    /// <summary>Queues work for the pipeline thread; called by the items' tasks. After the command ended nothing reads it, and nothing needs to.</summary>
    private void Post(Action work) => _posted.Writer.TryWrite(work);

    /// <summary>Does what the items queued, on the pipeline thread, until <paramref name="done"/> holds; Ctrl+C ends the wait.</summary>
    private void Pump(Func<bool> done)
    {
        while (true)
        {
            while (_posted.Reader.TryRead(out var work))
            {
                work();
            }

            WriteProtocolLines();
            if (done())
            {
                return;
            }

            Await(_posted.Reader.WaitToReadAsync(CancellationToken).AsTask());
        }
    }

    private void OnItemEvent(FanoutItem item, CodexEvent evt)
    {
        switch (evt)
        {
            case CodexNoticeEvent notice:
                WriteNotice(notice);
                return;
            case BudgetExceededEvent exceeded:
                WriteError(new ErrorRecord(exceeded.ToException(), "CodexBudgetExceeded", ErrorCategory.LimitsExceeded, item.Input));
                break;
            case DeltaEvent when IncludeDelta:
                WriteObject(evt);
                return;
        }

        WriteVerbose(evt.ToString());
    }

    /// <summary>
    /// A request of one item's turn, decided here by the same chain as a turn read on the pipeline thread: -WhatIf, the
    /// turn's handler, then the person at the host (declined with a warning where nobody can answer).
    /// </summary>
    private void OnItemRequest(FanoutItem item, CodexApprovalRequest request, TaskCompletionSource answered)
    {
        try
        {
            if (item.IsStopped || item.Turn is not { } turn || item.Conversation is not { } conversation)
            {
                return; // not answered here: the engine declines it
            }

            var handler = item.Handler ??= CodexServerRequestHandlers.Chain(IsWhatIf() ? new WhatIfRequestHandler(this) : null, turn.RequestHandler, Prompter);
            if (request.Kind == CodexApprovalKind.ToolCall)
            {
                CallTool(conversation, turn, request, handler);
            }
            else
            {
                Answer(request, handler);
            }
        }
        finally
        {
            answered.TrySetResult();
        }
    }

    private void OnItemEnd(FanoutItem item, Exception? failure)
    {
        lock (_running)
        {
            _running.Remove(item);
        }

        if (item.IsStopped)
        {
            // The command is stopping (Ctrl+C, Select-Object -First, an error): nothing more is written for it.
            Finished(item.Index, null, failed: false);
            return;
        }

        var (errorId, message) = failure is Engine.CodexException codexError ? (codexError.ErrorId, codexError.Message)
            : failure is null && item.Turn?.Result.Error is { } turnError ? (turnError.ErrorId, turnError.Message) : (null, null);
        if (!item.IsRetry && errorId == "CodexRuntimeUnavailable" && RuntimeRegistry.FindPool(Runtime ?? RuntimeRegistry.DefaultName) is { Failover: true })
        {
            // Connect-Codex -Failover: the member went down under this input's turn. Its conversation was ephemeral (no
            // rollout to resume), so the input runs again, once, on a new conversation of a member that is up; when it
            // cannot start, StartItem has written why and counted it.
            WriteWarning($"{item.RuntimeName} went down during the turn for input {item.Index}; it runs again on another member (-Failover). {message}");
            StartItem(item.Index, item.Input, item.Prompt, retry: true);
            return;
        }

        if (failure is not null || item.Turn is not { } turn || !item.SawEnd)
        {
            WriteError(ToErrorRecord(failure ?? new InvalidOperationException("The turn ended without its end."), item.Input));
            Finished(item.Index, null, failed: true);
            return;
        }

        var result = turn.Result;
        result.InputObject = item.Input;
        result.InputIndex = item.Index;
        result.RuntimeName = item.RuntimeName;
        if (result.Status == CodexTurnStatus.Failed)
        {
            var error = result.Error;
            var id = error?.ErrorId ?? "CodexTurnFailed";
            WriteError(NewError(id, Category(id), item.Input,
                $"The turn for input {item.Index} failed: {error?.Message ?? "the runtime gave no reason"}" + (error?.AdditionalDetails is { } details ? $" ({details})" : string.Empty)));
        }

        if (result.OutputError is { } invalid)
        {
            WriteError(new ErrorRecord(invalid, invalid.ErrorId, ErrorCategory.InvalidResult, result.FinalResponse));
        }

        Finished(item.Index, result, failed: result.Status == CodexTurnStatus.Failed);
    }

    /// <summary>An input is over (with or without a result): counted, shown, and written when its turn in the order comes.</summary>
    private void Finished(int index, CodexTurnResult? result, bool failed)
    {
        _done++;
        if (failed)
        {
            _failed++;
        }

        if (AsCompleted)
        {
            _nextToWrite = Math.Max(_nextToWrite, index + 1);
            if (result is not null)
            {
                WriteObject(result);
            }
        }
        else
        {
            _finished[index] = result;
        }

        WriteFanoutProgress();
        WriteReady();
    }

    /// <summary>Writes the results whose predecessors have all been written (input order).</summary>
    private void WriteReady()
    {
        while (_finished.Remove(_nextToWrite, out var result))
        {
            _nextToWrite++;
            if (result is not null)
            {
                WriteObject(result);
            }
        }
    }

    private void WriteFanoutProgress()
    {
        var record = new ProgressRecord(FanoutActivityId, "Invoke-Codex", ProgressText());
        if (_inputEnded && _inputCount > 0)
        {
            record.PercentComplete = Math.Min(100, _done * 100 / _inputCount);
        }

        _progressShown = true;
        WriteProgress(record);
    }

    private string ProgressText() =>
        $"{_done} of {(_inputEnded ? _inputCount.ToString(System.Globalization.CultureInfo.InvariantCulture) : _inputCount + "+")} done, {_running.Count} running, {_failed} failed";

    /// <summary>
    /// Interrupts every turn still running (turn/interrupt through each turn's stopper) and, when asked and allowed to
    /// block, waits a moment for the runtime to end them, so no turn outlives the command.
    /// </summary>
    private void StopFanout(bool waitForTurns)
    {
        if (_fanoutStop is null)
        {
            return;
        }

        FanoutItem[] running;
        lock (_running)
        {
            running = _running.ToArray();
        }

        try
        {
            _fanoutStop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        foreach (var item in running)
        {
            item.Stop();
        }

        if (!waitForTurns)
        {
            return;
        }

        _ctrlC.Dispose();
        var ends = running.Select(item => item.Work).ToArray();
        try
        {
            PipelineWait.WaitAtMost(Task.WhenAll(ends), StopAllWait);
            var turns = running.Select(item => item.Turn).OfType<CodexTurn>().Where(turn => !turn.IsCompleted).Select(turn => turn.Completion).ToArray();
            if (turns.Length > 0)
            {
                PipelineWait.WaitAtMost(Task.WhenAll(turns), StopAllWait);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A turn that ended by failing (its runtime gone) is not running either.
        }

        _fanoutStop.Dispose();
        _fanoutStop = null;
    }

    private static readonly TimeSpan StopAllWait = TimeSpan.FromSeconds(2);
}
