using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>What happened to a conversation.</summary>
public enum CodexConversationEventKind
{
    /// <summary>A conversation was started or forked.</summary>
    ConversationCreated,
    /// <summary>A conversation was archived or deleted.</summary>
    ConversationRemoved,
    /// <summary>A conversation was loaded again: resumed, reloaded after an idle unload, or adopted by a new runtime.</summary>
    ConversationResumed,
    /// <summary>A conversation was unloaded after the inactivity timeout.</summary>
    ConversationInactive,
    /// <summary>A conversation's runtime exited; the next command on it resumes it in a new runtime.</summary>
    ConversationError,
}

/// <summary>Where a conversation stands on its runtime.</summary>
public enum CodexConversationState
{
    /// <summary>Loaded in a running runtime.</summary>
    Active,

    /// <summary>Unloaded after the inactivity timeout; the next turn loads it again.</summary>
    Inactive,

    /// <summary>Its runtime died; the next command on it starts a new runtime and resumes the thread.</summary>
    Detached,

    /// <summary>Archived or deleted.</summary>
    Removed,
}

/// <summary>A conversation's lifecycle event, raised by the engine on whatever thread noticed it.</summary>
public sealed class CodexConversationEventArgs : EventArgs
{
    /// <summary>Describes one lifecycle event, stamped with the current time.</summary>
    public CodexConversationEventArgs(CodexConversationEventKind kind, string conversationId, CodexConversation? conversation, string message, Exception? error = null)
    {
        Kind = kind;
        ConversationId = conversationId;
        Conversation = conversation;
        Message = message;
        Error = error;
        Timestamp = DateTimeOffset.Now;
    }

    /// <summary>What happened.</summary>
    public CodexConversationEventKind Kind { get; }

    /// <summary>The id of the conversation (thread) it happened to.</summary>
    public string ConversationId { get; }

    /// <summary>The conversation object, when the client holds one (a thread removed without being loaded has none).</summary>
    public CodexConversation? Conversation { get; }

    /// <summary>A short description of what happened, such as "started" or "archived".</summary>
    public string Message { get; }

    /// <summary>The exception behind a ConversationError; null otherwise.</summary>
    public Exception? Error { get; }

    /// <summary>When the event was raised (local time).</summary>
    public DateTimeOffset Timestamp { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {ConversationId}: {Message}";
}

/// <summary>The conversation manager: a cap on loaded conversations, unloading idle ones, lifecycle events, recovery.</summary>
public sealed partial class CodexClient
{
    private Timer? _idleTimer;
    private int _unloading;

    /// <summary>ConversationCreated, ConversationRemoved, ConversationResumed, ConversationInactive and ConversationError.</summary>
    public event EventHandler<CodexConversationEventArgs>? ConversationEvent;

    /// <summary>The runtime's name (Connect-Codex -Name); "default" unless named.</summary>
    public string Name => _options.Name;

    /// <summary>The conversations loaded in the runtime now (inactive and detached ones do not count).</summary>
    public int LoadedConversationCount => _conversations.Values.Count(c => c.State == CodexConversationState.Active);

    internal void RaiseConversationEvent(CodexConversationEventKind kind, string conversationId, CodexConversation? conversation, string message, Exception? error = null)
    {
        try
        {
            ConversationEvent?.Invoke(this, new CodexConversationEventArgs(kind, conversationId, conversation, message, error));
        }
        catch (Exception ex)
        {
            AddWarning($"A handler of {kind} failed: {ex.Message}");
        }
    }

    /// <summary>Refuses one more loaded conversation beyond <see cref="CodexClientOptions.MaxConversations"/>.</summary>
    internal void EnsureCapacity()
    {
        if (_options.MaxConversations is { } max && LoadedConversationCount >= max)
        {
            throw new CodexException("MaxConversationsExceeded",
                $"The runtime already has {max} conversation(s) loaded, the most Connect-Codex -MaxConversations allows; remove one or wait until one is unloaded as idle.");
        }
    }

    private void StartIdleWatch()
    {
        if (_options.IdleTimeout is { } timeout && timeout > TimeSpan.Zero)
        {
            var period = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 4, 50, 5000));
            _idleTimer = new Timer(_ => _ = UnloadIdleAsync(), null, period, period);
        }
    }

    /// <summary>Unloads every conversation without a running turn whose last activity is older than the inactivity timeout.</summary>
    public async Task UnloadIdleAsync()
    {
        if (_options.IdleTimeout is not { } timeout || State != CodexRuntimeState.Running || Interlocked.Exchange(ref _unloading, 1) != 0)
        {
            return;
        }

        try
        {
            var now = DateTimeOffset.Now;
            foreach (var conversation in _conversations.Values)
            {
                if (conversation.State == CodexConversationState.Active && conversation.ActiveTurn is null && !conversation.AwaitsFirstTurn && now - conversation.LastActivity >= timeout)
                {
                    try
                    {
                        await UnloadAsync(conversation, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is CodexException or ObjectDisposedException)
                    {
                        // The runtime went away meanwhile; its exit is reported on its own.
                    }
                }
            }
        }
        finally
        {
            Volatile.Write(ref _unloading, 0);
        }
    }

    /// <summary>Unloads a conversation from the runtime (thread/unsubscribe); it stays resumable and the next turn loads it again.</summary>
    public async Task UnloadAsync(CodexConversation conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        if (!conversation.TryMarkInactive())
        {
            return;
        }

        await Rpc.RequestAsync("thread/unsubscribe", new JsonObject { ["threadId"] = conversation.Id }, cancellationToken).ConfigureAwait(false);
        RaiseConversationEvent(CodexConversationEventKind.ConversationInactive, conversation.Id, conversation,
            $"unloaded after {_options.IdleTimeout?.TotalSeconds ?? 0:0.#} s without activity");
    }

    /// <summary>Loads an inactive conversation again (thread/resume) before it is used.</summary>
    internal async Task EnsureLoadedAsync(CodexConversation conversation, CancellationToken cancellationToken)
    {
        if (conversation.State != CodexConversationState.Inactive)
        {
            return;
        }

        EnsureCapacity();
        var answer = await ThreadRequestAsync("thread/resume", conversation.Id, conversation.ResumeParameters(), cancellationToken).ConfigureAwait(false);
        conversation.Rebind(this, answer);
        RaiseConversationEvent(CodexConversationEventKind.ConversationResumed, conversation.Id, conversation, "loaded again for a new turn");
    }

    /// <summary>
    /// Takes over a conversation whose runtime died: resumes its thread from the rollout in this runtime and
    /// binds the same conversation object to it, so the caller's reference keeps working.
    /// </summary>
    public async Task AdoptAsync(CodexConversation orphan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(orphan);
        if (ReferenceEquals(orphan.Client, this))
        {
            return;
        }

        if (orphan.Ephemeral)
        {
            throw new CodexException("CodexConversationNotRecoverable",
                $"Conversation {orphan.Id} was ephemeral: its runtime kept no rollout, so it cannot be resumed after the runtime died.");
        }

        EnsureRunning();
        EnsureCapacity();
        // Resumed with everything it had (sandbox, approval policy, model, effort, folder, network access): a cold
        // resume would otherwise give it the runtime's defaults.
        var answer = await ThreadRequestAsync("thread/resume", orphan.Id, orphan.ResumeParameters(), cancellationToken).ConfigureAwait(false);
        orphan.Rebind(this, answer);
        _conversations[orphan.Id] = orphan;
        RaiseConversationEvent(CodexConversationEventKind.ConversationResumed, orphan.Id, orphan, "resumed from its rollout in a new runtime");
    }

    /// <summary>When the runtime dies, every loaded conversation is marked and reported.</summary>
    private void DetachConversations(Exception error)
    {
        foreach (var conversation in _conversations.Values)
        {
            if (conversation.MarkDetached())
            {
                RaiseConversationEvent(CodexConversationEventKind.ConversationError, conversation.Id, conversation,
                    "its runtime exited; the next command on it resumes it in a new runtime", error);
            }
        }
    }

    private void StopIdleWatch() => Interlocked.Exchange(ref _idleTimer, null)?.Dispose();

    private void Registered(CodexConversation conversation, CodexConversationEventKind kind, string message)
    {
        conversation.AwaitsFirstTurn = kind == CodexConversationEventKind.ConversationCreated;
        conversation.Touch();
        RaiseConversationEvent(kind, conversation.Id, conversation, message);
    }

    private void Unregistered(string threadId, string message)
    {
        if (_conversations.TryRemove(threadId, out var conversation))
        {
            conversation.MarkRemoved();
        }

        RaiseConversationEvent(CodexConversationEventKind.ConversationRemoved, threadId, conversation, message);
    }
}
