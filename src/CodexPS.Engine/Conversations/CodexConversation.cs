using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>One thread on a runtime. At most one turn runs in it at a time.</summary>
public sealed class CodexConversation
{
    private readonly object _turnLock = new();
    private CodexTurn? _activeTurn;

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
        CreatedAt = Json.UnixSeconds(thread.Long("createdAt")) ?? DateTimeOffset.Now;
        ApprovalHandler = options.ApprovalHandler;
    }

    public CodexClient Client { get; }

    public string Id { get; }

    public string? Model { get; }

    public string? ModelProvider { get; }

    public string? WorkingDirectory { get; }

    /// <summary>The runtime's own rollout file for this thread; null for ephemeral threads.</summary>
    public string? Path { get; }

    public CodexSandbox? Sandbox { get; }

    public CodexApprovalPolicy? ApprovalPolicy { get; }

    public string? ReasoningEffort { get; }

    public bool Ephemeral { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>Answers approvals for turns that bring no handler of their own; with none, requests are declined.</summary>
    public CodexApprovalHandler? ApprovalHandler { get; set; }

    public CodexTurn? ActiveTurn => Volatile.Read(ref _activeTurn);

    public int TurnCount { get; private set; }

    public CodexTurn? LastTurn { get; private set; }

    /// <summary>Starts a turn; its events are read with <see cref="CodexTurn.ReadEventsAsync"/>.</summary>
    public async Task<CodexTurn> StartTurnAsync(string prompt, CodexTurnOptions? options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(prompt))
        {
            throw new ArgumentException("The prompt is empty.", nameof(prompt));
        }

        Client.EnsureRunning();
        options ??= new CodexTurnOptions();
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
            ["input"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = prompt }),
        };
        if (options.Model is not null)
        {
            parameters["model"] = options.Model;
        }

        if (options.Effort is not null)
        {
            parameters["effort"] = options.Effort;
        }

        try
        {
            var answer = await Client.Rpc.RequestAsync("turn/start", parameters, cancellationToken).ConfigureAwait(false);
            turn.SetId(answer.Prop("turn").Str("id"));
        }
        catch
        {
            TurnEnded(turn);
            turn.Fail(new OperationCanceledException("The turn did not start."));
            throw;
        }

        TurnCount++;
        LastTurn = turn;
        return turn;
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
    }

    public override string ToString() => Id;
}
