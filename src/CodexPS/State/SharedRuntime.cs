using CodexPS.Engine;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Runtime;

namespace CodexPS;

/// <summary>
/// One runtime of the session: its settings, fixed for its whole life; its current client (restarted with exactly those
/// settings after a crash, one start at a time however many commands ask at once); and the runspaces that hold it.
/// Once released (its last holder let go) it never starts again.
/// </summary>
internal sealed class SharedRuntime
{
    private readonly object _gate = new();
    private readonly HashSet<Guid> _holders = new();
    private readonly HashSet<Guid> _users = new();
    private readonly List<CodexClient> _died = new();
    private Task<CodexClient>? _start;
    private CodexClient? _client;
    private bool _released;

    public SharedRuntime(CodexRuntimeSettings settings)
    {
        if (settings.NeedsCodexHome)
        {
            throw new ArgumentException("A runtime's CODEX_HOME is pinned before it is registered.", nameof(settings));
        }

        Settings = settings;
    }

    public CodexRuntimeSettings Settings { get; }

    private CodexPS.Engine.Pricing.CodexPricing? _pricing;

    /// <summary>
    /// The prices Connect-Codex -Pricing gave: not a runtime setting (a new price list must not restart the runtime), but
    /// kept here so a restarted client has them too. Setting them also sets the running client's.
    /// </summary>
    public CodexPS.Engine.Pricing.CodexPricing? Pricing
    {
        get => Volatile.Read(ref _pricing);
        set
        {
            Volatile.Write(ref _pricing, value);
            if (Client is { } client)
            {
                client.Pricing = value;
            }
        }
    }

    public string Name => Settings.Name;

    /// <summary>The client of the latest start that succeeded, running or not (a dead one until its restart is done); null before the first.</summary>
    public CodexClient? Client
    {
        get
        {
            lock (_gate)
            {
                return _client;
            }
        }
    }

    /// <summary>A conversation of this runtime, also one left behind by a client that died and not yet resumed.</summary>
    public CodexConversation? FindConversation(string id)
    {
        CodexClient[] clients;
        lock (_gate)
        {
            // A dead client is remembered only while conversations of it wait to be resumed.
            _died.RemoveAll(c => !c.Conversations.Any(x => x.State == CodexConversationState.Detached && ReferenceEquals(x.Client, c)));
            clients = _client is null ? _died.ToArray() : _died.Prepend(_client).ToArray();
        }

        foreach (var client in clients)
        {
            if (client.FindConversation(id) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    public bool IsReleased
    {
        get
        {
            lock (_gate)
            {
                return _released;
            }
        }
    }

    public bool IsHeldBy(Guid runspace)
    {
        lock (_gate)
        {
            return _holders.Contains(runspace);
        }
    }

    public void AddHolder(Guid runspace)
    {
        lock (_gate)
        {
            _holders.Add(runspace);
        }
    }

    /// <summary>Lets go of one runspace's hold; returns how many holders remain.</summary>
    public int RemoveHolder(Guid runspace)
    {
        lock (_gate)
        {
            _holders.Remove(runspace);
            _users.Remove(runspace);
            return _holders.Count;
        }
    }

    /// <summary>A runspace that works on this runtime without holding it (it uses a runtime another runspace connected).</summary>
    public void NoteUser(Guid runspace)
    {
        lock (_gate)
        {
            if (!_holders.Contains(runspace))
            {
                _users.Add(runspace);
            }
        }
    }

    /// <summary>
    /// The running client; after the runtime died, a new one started with the same settings. Commands that ask at the
    /// same time share one start; Ctrl+C ends the caller's wait, not the start others wait for.
    /// </summary>
    public CodexClient GetOrStart(CancellationToken cancellationToken)
    {
        Task<CodexClient> start;
        lock (_gate)
        {
            if (_released)
            {
                throw new CodexException("CodexRuntimeDisconnected", $"The codex runtime '{Name}' was disconnected (Disconnect-Codex); connect it again with Connect-Codex.");
            }

            if (_start is null || _start.IsFaulted || _start.IsCanceled || _start is { IsCompletedSuccessfully: true, Result.State: not CodexRuntimeState.Running })
            {
                var previous = _start is { IsCompletedSuccessfully: true } done ? PipelineWait.CompletedResult(done) : null;
                if (previous is not null)
                {
                    _died.Add(previous);
                }

                _start = Task.Run(() => StartAsync(previous));
            }

            start = _start;
        }

        return PipelineWait.Wait(start, cancellationToken);
    }

    /// <summary>
    /// Marks the runtime released (it never starts again) and stops it. When other runspaces have worked on it and turns
    /// are running, it stops once those turns end (<paramref name="deferred"/>): another runspace's turn is never cut
    /// short by this one letting go.
    /// </summary>
    public Task ReleaseAndStopAsync(Guid releasingRunspace, bool waitForOthersTurns, out bool deferred)
    {
        Task<CodexClient>? start;
        bool othersUsedIt;
        lock (_gate)
        {
            _released = true;
            start = _start;
            othersUsedIt = waitForOthersTurns && _users.Any(u => u != releasingRunspace);
        }

        var turns = Array.Empty<Task>();
        if (othersUsedIt && start is { IsCompletedSuccessfully: true } started && PipelineWait.CompletedResult(started) is { State: CodexRuntimeState.Running } running)
        {
            turns = running.Conversations.Select(c => c.ActiveTurn).OfType<CodexTurn>().Select(t => (Task)t.Completion).ToArray();
        }

        deferred = turns.Length > 0;
        return StopAsync(start, turns);
    }

    private static async Task StopAsync(Task<CodexClient>? start, Task[] turns)
    {
        if (start is null)
        {
            return;
        }

        CodexClient client;
        try
        {
            client = await start.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // It never started: nothing to stop.
            return;
        }

        try
        {
            await Task.WhenAll(turns).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A turn that failed has ended too.
        }

        await client.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<CodexClient> StartAsync(CodexClient? previous)
    {
        var options = Settings.ToClientOptions();
        options.SearchRoots.Add(RuntimeRegistry.ModuleDirectory);
        options.Metrics = SessionMetrics.For(Settings);
        options.Plugins = PluginRegistry.For(Name);
        options.Pricing = Pricing;

        // Nobody's Ctrl+C cancels a start others may be waiting for; StartTimeout bounds it.
        var client = Settings.Uri is { } remote
            ? await CodexClient.ConnectRemoteAsync(remote, Settings.Token, options, CancellationToken.None).ConfigureAwait(false)
            : await CodexClient.StartAsync(options, CancellationToken.None).ConfigureAwait(false);
        client.ConversationEvent += RuntimeRegistry.Events.Forward;
        options.Plugins.Bind(client);
        RuntimeRegistry.Own(client, this);
        lock (_gate)
        {
            _client = client;
        }

        if (previous is not null)
        {
            // The dead runtime's client is let go; its conversations move over as they are used.
            _ = previous.DisposeAsync().AsTask().ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
        }

        return client;
    }
}
