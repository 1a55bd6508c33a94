using System.Diagnostics;
using CodexPS.Engine.Pricing;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>
/// A sink on the turn's event path that counts what the turn spends (tokens, cost, tool calls, time) and stops the turn
/// when a budget is passed. A turn gets one only when it has a budget or the client has prices, so a turn without either
/// pays one null check per event. Everything but the duration timer runs on the reader thread.
/// </summary>
/// <remarks>
/// A passed budget sends turn/interrupt through the turn's <see cref="TurnStopper"/> (the one stop path) without
/// abandoning the queue, so every event the runtime sent before, and until, the interrupted end is still delivered.
/// The <see cref="BudgetExceededEvent"/> is queued by the pipeline after the event that passed the budget (or, for the
/// timer, before the next event the reader handles: at the latest the interrupted turn's end).
/// </remarks>
internal sealed class TurnBudget : IDisposable
{
    private readonly CodexTurn _turn;
    private readonly CodexConversation _conversation;
    private readonly long? _maxTokens;
    private readonly int? _maxToolCalls;
    private readonly decimal? _maxCost;
    private readonly long? _conversationBudget;
    private readonly CodexPricing? _pricing;
    private readonly long _startedTicks = Stopwatch.GetTimestamp();
    private Timer? _timer;
    private CodexModelPrice? _price;
    private long _tokens;
    private decimal _cost;
    private bool _priced;
    private int _toolCalls;
    private BudgetExceededEvent? _exceeded;
    private int _delivered;

    private TurnBudget(CodexTurn turn, CodexTurnOptions options, CodexPricing? pricing)
    {
        _turn = turn;
        _conversation = turn.Conversation;
        _maxTokens = options.MaxTokens;
        _maxToolCalls = options.MaxToolCalls;
        _maxCost = options.MaxCostUsd;
        _conversationBudget = _conversation.TokenBudget;
        _pricing = pricing;
        _price = pricing?.Find(_conversation.Model);
        if (options.MaxDuration is { } duration)
        {
            _timer = new Timer(static state => ((TurnBudget)state!).OnTimer(), this, duration, Timeout.InfiniteTimeSpan);
            MaxDuration = duration;
        }
    }

    private TimeSpan MaxDuration { get; }

    /// <summary>The turn's budget keeper; null when the turn has no budget and the client no prices (nothing to count).</summary>
    public static TurnBudget? For(CodexTurn turn, CodexTurnOptions options)
    {
        var pricing = turn.Conversation.Client.Pricing;
        if (options.MaxTokens is null && options.MaxDuration is null && options.MaxToolCalls is null && options.MaxCostUsd is null
            && turn.Conversation.TokenBudget is null && pricing is null)
        {
            return null;
        }

        return new TurnBudget(turn, options, pricing);
    }

    /// <summary>The model the turn runs on, once the conversation knows it (a turn's -Model wins over the conversation's).</summary>
    public void UseModel(string? model)
    {
        _price = _pricing?.Find(model);
    }

    /// <summary>Whether a budget has been passed (later requests of the turn are declined).</summary>
    public bool IsExceeded => Volatile.Read(ref _exceeded) is not null;

    /// <summary>What the turn cost so far; null without a price for its model or before its first token report.</summary>
    public decimal? Cost => _priced ? Normalized(_cost) : null;

    // Prices times counts carry the prices' scale (0.0130); the same value without trailing zeros reads better.
    private static decimal Normalized(decimal value) => value / 1.000000000000000000000000000000000m;

    /// <summary>On the reader thread: each event the plugins passed on, before the meter sees it.</summary>
    public void Observe(CodexEvent evt)
    {
        switch (evt)
        {
            case TokenUsageEvent usage:
                OnTokenUsage(usage);
                break;
            case ItemEvent { Kind: CodexEventKind.ItemStarted } started when IsToolCall(started.Item):
                _toolCalls++;
                if (_maxToolCalls is { } maxCalls && _toolCalls > maxCalls)
                {
                    Trip(CodexBudgetLimit.MaxToolCalls, maxCalls, _toolCalls);
                }

                break;
            case TurnCompletedEvent completed:
                completed.CostUsd = Cost;
                Dispose();
                break;
        }
    }

    /// <summary>The event to queue now, once; null when no budget was passed or it was queued already (reader thread).</summary>
    public BudgetExceededEvent? TakeExceeded()
    {
        return Volatile.Read(ref _exceeded) is { } exceeded && Interlocked.Exchange(ref _delivered, 1) == 0 ? exceeded : null;
    }

    /// <summary>The turn ended (or failed): the timer goes.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _timer, null)?.Dispose();
    }

    /// <summary>What a budget counts as a tool call: commands, file changes, MCP tool calls and the conversation's own tools.</summary>
    private static bool IsToolCall(CodexItem item) => item.ProtocolType is "commandExecution" or "fileChange" or "mcpToolCall" or "dynamicToolCall";

    private void OnTokenUsage(TokenUsageEvent usage)
    {
        // A report whose thread total did not grow repeats the last one (the runtime sends it again after a broken
        // stream): no model request ended, and its tokens were counted already.
        var previous = Interlocked.Exchange(ref _conversation.LastReportedTokenTotal, usage.Total?.TotalTokens ?? -1);
        var grew = usage.Total is { } total && previous >= 0 ? total.TotalTokens > previous : usage.Last is { TotalTokens: > 0 };
        if (!grew || usage.Last is not { } last)
        {
            return;
        }

        _tokens += last.TotalTokens;
        var conversationTokens = _conversation.AddBudgetTokens(last.TotalTokens);
        if (_price is { } price)
        {
            _cost += price.Cost(last);
            _priced = true;
        }

        if (_maxTokens is { } maxTokens && _tokens > maxTokens)
        {
            Trip(CodexBudgetLimit.MaxTokens, maxTokens, _tokens);
        }
        else if (_conversationBudget is { } budget && conversationTokens > budget)
        {
            Trip(CodexBudgetLimit.TokenBudget, budget, conversationTokens);
        }
        else if (_maxCost is { } maxCost && _priced && _cost > maxCost)
        {
            Trip(CodexBudgetLimit.MaxCostUsd, maxCost, Normalized(_cost));
        }
    }

    private void OnTimer()
    {
        if (_turn.IsCompleted)
        {
            return;
        }

        // A timer may fire a little early; the budget is passed only once the turn has really run longer.
        var elapsed = Stopwatch.GetElapsedTime(_startedTicks);
        if (elapsed <= MaxDuration)
        {
            try
            {
                Volatile.Read(ref _timer)?.Change(MaxDuration - elapsed + TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // The turn ended meanwhile.
            }

            return;
        }

        Trip(CodexBudgetLimit.MaxDuration, MaxDuration, elapsed);
    }

    /// <summary>The first budget passed wins; the turn is asked to stop at once, and its events keep coming to the consumer.</summary>
    private void Trip(CodexBudgetLimit limit, object limitValue, object measured)
    {
        var exceeded = new BudgetExceededEvent(_conversation.Id, _turn.Id, limit, limitValue, measured);
        if (Interlocked.CompareExchange(ref _exceeded, exceeded, null) is null)
        {
            _turn.StopForBudget();
        }
    }
}
