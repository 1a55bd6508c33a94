using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>One thread on a runtime. At most one turn runs in it at a time.</summary>
public sealed class CodexConversation
{
    private readonly object _turnLock = new();
    private CodexTurn? _activeTurn;
    private CodexConversationSettings _pending = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CodexTurnDiff> _diffs = new(StringComparer.Ordinal);
    private CodexTurnDiff? _lastDiff;
    private int _state = (int)CodexConversationState.Active;
    private long _lastActivityTicks = DateTimeOffset.UtcNow.UtcTicks;

    internal CodexConversation(CodexClient client, JsonElement startAnswer, CodexConversationOptions options)
    {
        Client = client;
        var thread = startAnswer.Prop("thread");
        Id = thread.Str("id") ?? throw new CodexException("CodexProtocolError", "thread/start answered without a thread id.");
        Path = thread.Str("path");
        Model = startAnswer.Str("model") ?? thread.Str("model");
        ModelProvider = startAnswer.Str("modelProvider");
        WorkingDirectory = startAnswer.Str("cwd") ?? thread.Str("cwd");
        Sandbox = OptionNames.ParseSandbox(startAnswer.Prop("sandbox").Str("type")) ?? options.Sandbox;
        ApprovalPolicy = OptionNames.ParseApproval(startAnswer.Str("approvalPolicy")) ?? options.ApprovalPolicy;
        ReasoningEffort = startAnswer.Str("reasoningEffort");
        Ephemeral = thread.Bool("ephemeral") ?? options.Ephemeral;
        NetworkAccess = options.NetworkAccess;
        AdditionalDirectories = ExtraRoots(thread, WorkingDirectory) ?? options.AdditionalDirectories.ToArray();
        CreatedAt = Json.UnixSeconds(thread.Long("createdAt")) ?? DateTimeOffset.Now;
        RequestHandler = options.RequestHandler;
        _tools = options.Tools;
        TokenBudget = options.TokenBudget;
        Pipeline = new EventPipeline(this);
    }

    private long _budgetTokensUsed;

    /// <summary>
    /// The tokens all turns of this conversation may use together; null: no budget. Kept by CodexPS for this object (a
    /// fork or a resumed conversation starts without one); changing it takes effect from the next turn.
    /// </summary>
    public long? TokenBudget { get; set; }

    /// <summary>
    /// The tokens counted against <see cref="TokenBudget"/>: tokenUsage.last.totalTokens of every model request in the
    /// turns run while a budget (or prices) was set. Turns run with neither are not counted: nothing is measured for them.
    /// </summary>
    public long BudgetTokensUsed => Interlocked.Read(ref _budgetTokensUsed);

    internal long AddBudgetTokens(long tokens) => Interlocked.Add(ref _budgetTokensUsed, tokens);

    /// <summary>The thread total of the last token report a budget saw (-1: none); a report that does not grow it is a repeat.</summary>
    internal long LastReportedTokenTotal = -1;

    /// <summary>Refuses, before anything is sent, a turn whose budget can never hold: none of the conversation's tokens left, or a cost limit without a price.</summary>
    private void CheckBudget(CodexTurnOptions options, string? model)
    {
        if (TokenBudget is { } budget && BudgetTokensUsed >= budget)
        {
            throw new CodexException("CodexBudgetExceeded",
                $"Conversation {Id} has used {BudgetTokensUsed} tokens of its token budget of {budget}; no turn was started. Raise it (Set-CodexConversation -TokenBudget) to go on.");
        }

        if (options.MaxCostUsd is not null && Client.Pricing?.Find(model) is null)
        {
            throw new CodexException("CodexPricingMissing",
                $"-MaxCostUsd needs a price for the model '{model ?? "(the runtime's default)"}', and none was given (Connect-Codex -Pricing); no turn was started.");
        }
    }

    private IReadOnlyList<CodexDynamicTool> _tools;

    /// <summary>
    /// The conversation's own tools the model may call, and what runs them. Given at the start (the runtime keeps the
    /// specs with the thread); a conversation loaded again gets its runners back with <see cref="AttachTools"/>.
    /// </summary>
    public IReadOnlyList<CodexDynamicTool> Tools => Volatile.Read(ref _tools);

    /// <summary>Gives a loaded conversation (resumed, forked, recovered) the runners of its tools again.</summary>
    public void AttachTools(IReadOnlyList<CodexDynamicTool> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        Volatile.Write(ref _tools, tools.ToArray());
    }

    /// <summary>The tool a call names, or null when the conversation has none by that name.</summary>
    public CodexDynamicTool? FindTool(string? toolNamespace, string? name) =>
        name is null ? null : Tools.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal)
            && string.Equals(t.Namespace, string.IsNullOrEmpty(toolNamespace) ? null : toolNamespace, StringComparison.Ordinal));

    /// <summary>The runtime the conversation is loaded in; after a recovery, the new one.</summary>
    public CodexClient Client { get; private set; }

    /// <summary>The name of the runtime the conversation lives on (for a pool, its member, such as farm/2).</summary>
    public string Runtime => Client.Name;

    /// <summary>Active, Inactive (unloaded as idle), Detached (its runtime died) or Removed.</summary>
    public CodexConversationState State => (CodexConversationState)Volatile.Read(ref _state);

    /// <summary>When a turn last started or ended (or the conversation was loaded).</summary>
    public DateTimeOffset LastActivity => new(Volatile.Read(ref _lastActivityTicks), TimeSpan.Zero);

    /// <summary>The runtime's thread id.</summary>
    public string Id { get; }

    /// <summary>The model the conversation uses now, as last set or reported.</summary>
    public string? Model { get; private set; }

    /// <summary>The model provider the runtime reported when the thread started.</summary>
    public string? ModelProvider { get; }

    /// <summary>The folder the conversation works in now.</summary>
    public string? WorkingDirectory { get; private set; }

    /// <summary>The runtime's own rollout file for this thread; null for ephemeral threads.</summary>
    public string? Path { get; }

    /// <summary>The sandbox the conversation's commands run in now; null when unknown.</summary>
    public CodexSandbox? Sandbox { get; private set; }

    /// <summary>The approval policy in force now; null when unknown.</summary>
    public CodexApprovalPolicy? ApprovalPolicy { get; private set; }

    /// <summary>The reasoning effort in force now, as the runtime names it; null for the model's default.</summary>
    public string? ReasoningEffort { get; private set; }

    /// <summary>Whether the runtime keeps no rollout of the thread, so it cannot be resumed after its runtime dies.</summary>
    public bool Ephemeral { get; }

    /// <summary>Whether commands in a WorkspaceWrite sandbox may reach the network (as the conversation was started).</summary>
    public bool NetworkAccess { get; }

    /// <summary>Folders besides the working directory that commands in a WorkspaceWrite sandbox may write to (as the conversation was started).</summary>
    public IReadOnlyList<string> AdditionalDirectories { get; private set; }

    /// <summary>
    /// The extra folders the runtime reports for the thread: its local environment's runtimeWorkspaceRoots less the
    /// working directory. Null when the answer has none, so what was asked for stands.
    /// </summary>
    private static string[]? ExtraRoots(JsonElement thread, string? workingDirectory)
    {
        foreach (var environment in thread.Array("environments"))
        {
            if (environment.Prop("runtimeWorkspaceRoots").ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            var cwd = environment.Str("cwd") ?? workingDirectory;
            return environment.Array("runtimeWorkspaceRoots")
                .Select(r => r.ValueKind == JsonValueKind.String ? r.GetString() : null)
                .Where(r => r is not null && !string.Equals(r, cwd, StringComparison.Ordinal))
                .Select(r => r!)
                .Distinct(StringComparer.Ordinal)
                .ToArray();
        }

        return null;
    }

    /// <summary>When the thread was created, as the runtime reported it (else when this object was made).</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>A delegate that answers approvals for turns that bring no handler of their own: a shorthand that sets <see cref="RequestHandler"/>.</summary>
    public CodexApprovalHandler? ApprovalHandler
    {
        get => CodexServerRequestHandlers.DelegateOf(RequestHandler);
        set => RequestHandler = CodexServerRequestHandlers.FromDelegate(value);
    }

    /// <summary>Answers the server requests of turns that bring no handler of their own; with none, requests are declined.</summary>
    public ICodexServerRequestHandler? RequestHandler { get; set; }

    /// <summary>The turn running now; null between turns.</summary>
    public CodexTurn? ActiveTurn => Volatile.Read(ref _activeTurn);

    /// <summary>How many turns and reviews were started through this object.</summary>
    public int TurnCount { get; private set; }

    /// <summary>
    /// A thread just started has no rollout until its first turn, so the runtime could not load it again: it is not
    /// unloaded as idle before then.
    /// </summary>
    internal bool AwaitsFirstTurn { get; set; }

    /// <summary>The turn (or review) started last; null before the first.</summary>
    public CodexTurn? LastTurn { get; private set; }

    /// <summary>The recordings running for this conversation (Start-CodexRecording, -RecordTo).</summary>
    public IReadOnlyList<Persistence.CodexRecording> Recordings => Volatile.Read(ref RecordingTargets);

    /// <summary>The path of what the runtime says about this conversation outside its turns (each turn has its own).</summary>
    internal EventPipeline Pipeline { get; }

    /// <summary>Read on the reader thread for every event; replaced whole (never changed in place) by CodexRecording.</summary>
    internal Persistence.CodexRecording[] RecordingTargets = Array.Empty<Persistence.CodexRecording>();

    /// <summary>Starts a turn; its events are read with <see cref="CodexTurn.ReadEventsAsync(CancellationToken)"/>.</summary>
    public async Task<CodexTurn> StartTurnAsync(string prompt, CodexTurnOptions? options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(prompt))
        {
            throw new ArgumentException("The prompt is empty.", nameof(prompt));
        }

        Client.EnsureRunning();
        Touch();
        await Client.EnsureLoadedAsync(this, cancellationToken).ConfigureAwait(false);
        options ??= new CodexTurnOptions();
        CheckBudget(options, options.Model ?? Volatile.Read(ref _pending).Model ?? Model);
        var input = Input(prompt, options.Images);
        var turn = new CodexTurn(this, options, Client.Options.EventBufferCapacity);
        lock (_turnLock)
        {
            if (_activeTurn is { } running)
            {
                throw new CodexException("CodexTurnInProgress", $"Conversation {Id} is already running turn {running.Id}; wait for it or stop it (Stop-CodexTurn).");
            }

            // Registered before turn/start goes out: the runtime may report the turn before it answers.
            _activeTurn = turn;
        }

        var parameters = new JsonObject
        {
            ["threadId"] = Id,
            ["input"] = input,
        };

        // Turn-level settings also become the conversation's from now on (the runtime keeps them): settings
        // changed with Update() go out with this turn, and a turn's own options win over them.
        CodexConversationSettings pending;
        lock (_turnLock)
        {
            pending = _pending;
            _pending = new CodexConversationSettings();
        }

        var model = options.Model ?? pending.Model;
        turn.Budget?.UseModel(model ?? Model);
        var effort = options.Effort ?? pending.Effort;
        var cwd = options.WorkingDirectory ?? pending.WorkingDirectory;
        var sandbox = options.Sandbox ?? pending.Sandbox;
        var approval = options.ApprovalPolicy ?? pending.ApprovalPolicy;
        if (model is not null)
        {
            parameters["model"] = model;
        }

        if (effort is not null)
        {
            parameters["effort"] = effort;
        }

        if (cwd is not null)
        {
            parameters["cwd"] = System.IO.Path.GetFullPath(cwd);
        }

        if (sandbox is { } sandboxValue)
        {
            parameters["sandboxPolicy"] = OptionNames.SandboxPolicy(sandboxValue, NetworkAccess, AdditionalDirectories);
        }

        if (approval is { } approvalValue)
        {
            parameters["approvalPolicy"] = OptionNames.Approval(approvalValue);
        }

        if (options.OutputSchema is not null)
        {
            parameters["outputSchema"] = options.OutputSchema.DeepClone();
        }

        try
        {
            await turn.StartAsync("turn/start", parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (TurnStartStoppedException)
        {
            // The runtime may run the turn: it stays active until the runtime has interrupted it.
            Update(pending);
            throw;
        }
        catch
        {
            TurnEnded(turn);
            turn.Fail(new OperationCanceledException("The turn did not start."));
            Update(pending);
            throw;
        }

        Model = model ?? Model;
        ReasoningEffort = effort ?? ReasoningEffort;
        WorkingDirectory = cwd is null ? WorkingDirectory : System.IO.Path.GetFullPath(cwd);
        Sandbox = sandbox ?? Sandbox;
        ApprovalPolicy = approval ?? ApprovalPolicy;
        TurnCount++;
        AwaitsFirstTurn = false;
        LastTurn = turn;
        return turn;
    }

    /// <summary>
    /// Starts a review (review/start, delivered inline in this thread); its events are read like a turn's. The
    /// turn is registered before the request goes out, and correlated by the turn id in the answer: the review
    /// sub-agent's own turn/started names another id.
    /// </summary>
    public async Task<CodexTurn> StartReviewAsync(Review.CodexReviewTarget target, CodexTurnOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        Client.EnsureRunning();
        Touch();
        await Client.EnsureLoadedAsync(this, cancellationToken).ConfigureAwait(false);
        var turn = new CodexTurn(this, options ?? new CodexTurnOptions(), Client.Options.EventBufferCapacity);
        lock (_turnLock)
        {
            if (_activeTurn is { } running)
            {
                throw new CodexException("CodexTurnInProgress", $"Conversation {Id} is already running turn {running.Id}; wait for it or stop it (Stop-CodexTurn).");
            }

            _activeTurn = turn;
        }

        var parameters = new JsonObject { ["threadId"] = Id, ["delivery"] = "inline", ["target"] = target.ToJson() };
        try
        {
            await turn.StartAsync("review/start", parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (TurnStartStoppedException)
        {
            throw;
        }
        catch
        {
            TurnEnded(turn);
            turn.Fail(new OperationCanceledException("The review did not start."));
            throw;
        }

        TurnCount++;
        AwaitsFirstTurn = false;
        LastTurn = turn;
        return turn;
    }

    /// <summary>The last aggregated diff the runtime reported for a turn of this conversation; null when it reported none.</summary>
    public CodexTurnDiff? GetDiff(string turnId) => _diffs.TryGetValue(turnId, out var diff) ? diff : null;

    /// <summary>The diff of the latest turn that changed files; null when none did.</summary>
    public CodexTurnDiff? LastDiff => Volatile.Read(ref _lastDiff);

    /// <summary>Kept per turn because turn/diff/updated can arrive after turn/completed, when no turn is active.</summary>
    internal void RecordDiff(string turnId, string diff)
    {
        var value = new CodexTurnDiff(Id, turnId, diff);
        _diffs[turnId] = value;
        Volatile.Write(ref _lastDiff, value);
    }

    /// <summary>
    /// The goal as the runtime last reported it (thread/goal/updated or cleared) while this session had the
    /// conversation loaded; null when cleared or never reported. Get-CodexGoal asks the runtime instead.
    /// </summary>
    public Protocol.CodexGoal? Goal { get => Volatile.Read(ref _goal); internal set => Volatile.Write(ref _goal, value); }

    private Protocol.CodexGoal? _goal;

    /// <summary>Drops the diffs of turns the history no longer holds (after thread/revert), so nothing offers them again.</summary>
    internal void ForgetDiffs(IEnumerable<string> turnIds)
    {
        foreach (var turnId in turnIds)
        {
            _diffs.TryRemove(turnId, out _);
        }

        var last = Volatile.Read(ref _lastDiff);
        if (last is not null && !_diffs.ContainsKey(last.TurnId))
        {
            // The latest remaining diff is unknown by order here; none is honest, and Get-CodexDiff -TurnId still finds each.
            Volatile.Write(ref _lastDiff, null);
        }
    }

    /// <summary>
    /// Changes the conversation's defaults. The runtime takes them with the next turn (turn-level settings
    /// persist for the turns after it), so nothing is sent now.
    /// </summary>
    public void Update(CodexConversationSettings settings)
    {
        lock (_turnLock)
        {
            _pending.Model = settings.Model ?? _pending.Model;
            _pending.Effort = settings.Effort ?? _pending.Effort;
            _pending.WorkingDirectory = settings.WorkingDirectory ?? _pending.WorkingDirectory;
            _pending.Sandbox = settings.Sandbox ?? _pending.Sandbox;
            _pending.ApprovalPolicy = settings.ApprovalPolicy ?? _pending.ApprovalPolicy;
        }

        Model = settings.Model ?? Model;
        ReasoningEffort = settings.Effort ?? ReasoningEffort;
        WorkingDirectory = settings.WorkingDirectory is null ? WorkingDirectory : System.IO.Path.GetFullPath(settings.WorkingDirectory);
        Sandbox = settings.Sandbox ?? Sandbox;
        ApprovalPolicy = settings.ApprovalPolicy ?? ApprovalPolicy;
    }

    /// <summary>Adds input to the running turn (turn/steer): the model sees it at its next step.</summary>
    public async Task SteerAsync(string prompt, IEnumerable<string>? images, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(prompt))
        {
            throw new ArgumentException("The prompt is empty.", nameof(prompt));
        }

        Client.EnsureRunning();
        if (ActiveTurn is not { Id: { } turnId })
        {
            throw new CodexException("CodexNoActiveTurn", $"Conversation {Id} has no running turn to steer.");
        }

        var parameters = new JsonObject
        {
            ["threadId"] = Id,
            ["expectedTurnId"] = turnId,
            ["input"] = Input(prompt, images),
        };
        await Client.Rpc.RequestAsync("turn/steer", parameters, cancellationToken).ConfigureAwait(false);
    }

    private static JsonArray Input(string prompt, IEnumerable<string>? images)
    {
        var input = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = prompt });
        foreach (var image in images ?? Array.Empty<string>())
        {
            var full = System.IO.Path.GetFullPath(image);
            if (!File.Exists(full))
            {
                throw new FileNotFoundException($"The image '{full}' does not exist.", full);
            }

            input.Add(new JsonObject { ["type"] = "localImage", ["path"] = full });
        }

        return input;
    }

    /// <summary>Asks the runtime to stop the active turn; returns false when none is running.</summary>
    public async Task<bool> InterruptAsync(CancellationToken cancellationToken)
    {
        if (ActiveTurn is not { } turn)
        {
            return false;
        }

        await turn.InterruptAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    internal void TurnEnded(CodexTurn turn)
    {
        Interlocked.CompareExchange(ref _activeTurn, null, turn);
        Touch();
    }

    internal void Touch() => Volatile.Write(ref _lastActivityTicks, DateTimeOffset.UtcNow.UtcTicks);

    /// <summary>Active → Inactive, only while no turn runs; false when it was not active or a turn runs.</summary>
    internal bool TryMarkInactive()
    {
        lock (_turnLock)
        {
            return _activeTurn is null
                && Interlocked.CompareExchange(ref _state, (int)CodexConversationState.Inactive, (int)CodexConversationState.Active) == (int)CodexConversationState.Active;
        }
    }

    internal bool MarkDetached() =>
        Interlocked.Exchange(ref _state, (int)CodexConversationState.Detached) != (int)CodexConversationState.Detached;

    internal void MarkRemoved() => Volatile.Write(ref _state, (int)CodexConversationState.Removed);

    /// <summary>
    /// thread/resume's parameters: everything the conversation had goes back to the runtime, which otherwise resumes a
    /// thread with its own defaults (a read-only sandbox for a WorkspaceWrite conversation, say).
    /// </summary>
    internal JsonObject ResumeParameters()
    {
        var parameters = new JsonObject { ["excludeTurns"] = true };
        if (Model is not null)
        {
            parameters["model"] = Model;
        }

        if (WorkingDirectory is not null)
        {
            parameters["cwd"] = WorkingDirectory;
        }

        if (Sandbox is { } sandbox)
        {
            parameters["sandbox"] = OptionNames.Sandbox(sandbox);
        }

        if (ApprovalPolicy is { } policy)
        {
            parameters["approvalPolicy"] = OptionNames.Approval(policy);
        }

        var config = OptionNames.SandboxConfig(NetworkAccess, AdditionalDirectories);
        if (ReasoningEffort is not null)
        {
            config["model_reasoning_effort"] = ReasoningEffort;
        }

        if (config.Count > 0)
        {
            parameters["config"] = config;
        }

        return parameters;
    }

    /// <summary>Loaded (again) in a runtime: after an idle unload, or in a new runtime after the old one died.</summary>
    internal void Rebind(CodexClient client, JsonElement resumeAnswer)
    {
        Client = client;
        Model = resumeAnswer.Str("model") ?? Model;
        WorkingDirectory = resumeAnswer.Str("cwd") ?? WorkingDirectory;
        ReasoningEffort = resumeAnswer.Str("reasoningEffort") ?? ReasoningEffort;
        Sandbox = OptionNames.ParseSandbox(resumeAnswer.Prop("sandbox").Str("type")) ?? Sandbox;
        ApprovalPolicy = OptionNames.ParseApproval(resumeAnswer.Str("approvalPolicy")) ?? ApprovalPolicy;
        AdditionalDirectories = ExtraRoots(resumeAnswer.Prop("thread"), WorkingDirectory) ?? AdditionalDirectories;
        Volatile.Write(ref _state, (int)CodexConversationState.Active);
        Touch();
    }

    /// <inheritdoc/>
    public override string ToString() => Id;
}
