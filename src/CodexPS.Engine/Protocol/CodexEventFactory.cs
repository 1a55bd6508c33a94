using System.Text.Json;

namespace CodexPS.Engine.Protocol;

/// <summary>
/// The one place that turns what the runtime said (method, params, timestamp) into its typed event. A live turn,
/// a conversation's notifications outside turns and a replayed recording each own one, so they build the same
/// events the same way. It keeps what one stream of events shares: the item the last delta belonged to (so a stream
/// of deltas allocates its item id once) and the file changes announced by item/started (so an approval request
/// for a patch can show them).
/// </summary>
internal sealed class CodexEventFactory
{
    private readonly string? _conversationId;
    private Dictionary<string, IReadOnlyList<CodexFileChange>>? _fileChanges;
    private string? _lastDeltaItemId;

    public CodexEventFactory(string? conversationId)
    {
        _conversationId = conversationId;
    }

    /// <summary>
    /// The delta kind a method carries; null for any other method. The reader hands the frequent method names over
    /// as the same string instances, so on the hot path these comparisons are reference checks.
    /// </summary>
    public static CodexEventKind? DeltaKindOf(string method) => method switch
    {
        "item/agentMessage/delta" => CodexEventKind.AgentMessageDelta,
        "item/commandExecution/outputDelta" => CodexEventKind.CommandOutputDelta,
        "item/reasoning/summaryTextDelta" or "item/reasoning/textDelta" => CodexEventKind.ReasoningDelta,
        _ => null,
    };

    /// <summary>
    /// The typed event of any notification but a delta (<see cref="CreateDelta"/>). <paramref name="turnId"/> is
    /// the turn the event belongs to when its params do not say (the live turn's id, or the one recorded with it).
    /// </summary>
    public CodexEvent Create(string method, JsonElement parameters, DateTimeOffset timestamp, string? turnId)
    {
        if (DeltaKindOf(method) is { } deltaKind)
        {
            return CreateDelta(deltaKind, method, parameters, timestamp, turnId);
        }

        // A review sub-agent's turn/started names its own turn; rootTurnId is the review's (and equals id otherwise).
        var named = parameters.Str("turnId", turnId) ?? parameters.Prop("turn").Str("rootTurnId", turnId) ?? parameters.Prop("turn").Str("id", turnId) ?? turnId;
        switch (method)
        {
            case "turn/started":
                return new TurnStartedEvent(method, _conversationId, named, timestamp, parameters);
            case "item/started":
                var started = new ItemEvent(CodexEventKind.ItemStarted, method, _conversationId, named, timestamp, parameters);
                if (started.Item is FileChangeItem { Id: { } changeId } change)
                {
                    (_fileChanges ??= new Dictionary<string, IReadOnlyList<CodexFileChange>>(StringComparer.Ordinal))[changeId] = change.Changes;
                }

                return started;
            case "item/completed":
                return new ItemEvent(CodexEventKind.ItemCompleted, method, _conversationId, named, timestamp, parameters);
            case "thread/tokenUsage/updated":
                return new TokenUsageEvent(method, _conversationId, named, timestamp, parameters);
            case "account/rateLimits/updated":
                return CreateRateLimits(method, parameters, timestamp, turnId, new CodexRateLimits(parameters.Prop("rateLimits"), timestamp));
            case "turn/diff/updated":
                return new TurnDiffEvent(method, _conversationId, named, timestamp, parameters);
            case "error":
                return new ErrorEvent(method, _conversationId, named, timestamp, parameters);
            case "turn/completed":
                return new TurnCompletedEvent(method, _conversationId, named, timestamp, parameters);
            case "thread/goal/updated":
                return new GoalEvent(CodexEventKind.GoalUpdated, method, _conversationId, named, timestamp, parameters);
            case "thread/goal/cleared":
                return new GoalEvent(CodexEventKind.GoalCleared, method, _conversationId, named, timestamp, parameters);
            case "hook/started":
                return new HookEvent(CodexEventKind.HookStarted, method, _conversationId, named, timestamp, parameters);
            case "hook/completed":
                return new HookEvent(CodexEventKind.HookCompleted, method, _conversationId, named, timestamp, parameters);
            case "serverRequest/resolved":
                return new NotificationEvent(method, _conversationId, turnId, timestamp, parameters, CodexEventKind.ApprovalResolved);
            default:
                return new NotificationEvent(method, _conversationId, named, timestamp, parameters);
        }
    }

    /// <summary>A piece of streamed text (<paramref name="kind"/> from <see cref="DeltaKindOf"/>).</summary>
    public DeltaEvent CreateDelta(CodexEventKind kind, string method, JsonElement parameters, DateTimeOffset timestamp, string? turnId)
    {
        var delta = new DeltaEvent(kind, method, _conversationId, parameters.Str("turnId"u8, turnId) ?? turnId, timestamp, parameters, _lastDeltaItemId);
        _lastDeltaItemId = delta.ItemId;
        return delta;
    }

    /// <summary>Rate limits already read (the client reads each report once, for every turn and the metrics).</summary>
    public RateLimitsEvent CreateRateLimits(string method, JsonElement parameters, DateTimeOffset timestamp, string? turnId, CodexRateLimits limits) =>
        new(method, _conversationId, turnId, timestamp, parameters, limits);

    /// <summary>A request the runtime asks (an approval, a question, an elicitation), carrying the request to answer.</summary>
    public ApprovalRequestedEvent CreateRequest(string method, JsonElement parameters, DateTimeOffset timestamp, string? turnId, CodexApprovalRequest request) =>
        new(method, _conversationId, parameters.Str("turnId", turnId) ?? turnId, timestamp, parameters, request);

    /// <summary>The files a patch item announced when it started; null when this stream saw no such item.</summary>
    public IReadOnlyList<CodexFileChange>? ChangesFor(string? itemId) =>
        itemId is not null && _fileChanges is not null && _fileChanges.TryGetValue(itemId, out var changes) ? changes : null;
}
