using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using CodexPS.Engine;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Runtime;

namespace CodexPS;

/// <summary>
/// The one owner of the session's runtimes. Runtimes are shared by the runspaces of the process and counted by
/// runspace: a runspace holds the runtimes it connected (Connect-Codex) or started by first use, and a runtime stops
/// when its last holder lets go (Disconnect-Codex, or the runspace closes). A runspace sees, per name, the runtime it
/// holds, else the one last connected under that name in the process. Settings equal to a live runtime's join it.
/// </summary>
internal static class RuntimeRegistry
{
    public const string DefaultName = CodexRuntimeSettings.DefaultName;

    private static readonly object Gate = new();
    private static readonly List<SharedRuntime> Live = new();
    private static readonly Dictionary<string, SharedRuntime> Latest = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Dictionary<Guid, Dictionary<string, SharedRuntime>> Bindings = new();
    private static readonly HashSet<Guid> WatchedRunspaces = new();
    private static readonly ConditionalWeakTable<CodexClient, SharedRuntime> Owners = new();
    private static readonly Dictionary<string, RuntimePool> Pools = new(StringComparer.OrdinalIgnoreCase);
    private static string? _mockHome;

    static RuntimeRegistry() => ModuleCleanup.MarkUsed();

    public static string ModuleDirectory { get; } = Path.GetDirectoryName(typeof(RuntimeRegistry).Assembly.Location) ?? AppContext.BaseDirectory;

    /// <summary>Every lifecycle event of every runtime of this session.</summary>
    public static CodexLifecycleEvents Events { get; } = new();

    private static Guid CurrentRunspace => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

    /// <summary>How often a pool checks its members' health (readyz of remote members, repairs of members that are down).</summary>
    internal static TimeSpan PoolHealthPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The pool of this name (Connect-Codex -Size, or -Uri with several), or null.</summary>
    public static RuntimePool? FindPool(string? name)
    {
        lock (Gate)
        {
            return name is not null && Pools.TryGetValue(name, out var pool) ? pool : null;
        }
    }

    /// <summary>Every pool of the session, by name.</summary>
    public static IReadOnlyList<RuntimePool> AllPools
    {
        get
        {
            lock (Gate)
            {
                return Pools.Values.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToArray();
            }
        }
    }

    /// <summary>The pool a runtime is a member of, or null.</summary>
    private static RuntimePool? PoolOf(SharedRuntime runtime)
    {
        lock (Gate)
        {
            return Pools.Values.FirstOrDefault(p => p.Contains(runtime));
        }
    }

    /// <summary>
    /// Connects this runspace to a pool: each member is connected like a runtime of its own name (farm/1...), so a member
    /// with settings equal to a live runtime's joins it. What the name meant before (a runtime, another pool) is let go.
    /// A member that cannot be reached fails the whole connect, and none of this connect's members stay held.
    /// </summary>
    public static RuntimePool ConnectPool(string name, IReadOnlyList<CodexRuntimeSettings> members, bool failover, CancellationToken cancellationToken)
    {
        var runtimes = new List<SharedRuntime>();
        try
        {
            foreach (var settings in members)
            {
                Connect(settings, cancellationToken);
                runtimes.Add(Find(settings.Name) ?? throw new InvalidOperationException($"Member {settings.Name} was connected but is not bound."));
            }
        }
        catch
        {
            foreach (var member in members.Take(runtimes.Count + 1))
            {
                Disconnect(member.Name);
            }

            throw;
        }

        var pool = new RuntimePool(name, runtimes, failover, PoolHealthPeriod);
        RuntimePool? previous;
        lock (Gate)
        {
            Pools.Remove(name, out previous);
        }

        previous?.Dispose();
        foreach (var gone in previous?.Members.Where(m => !runtimes.Contains(m.Runtime)).Select(m => m.Name).Distinct(StringComparer.OrdinalIgnoreCase) ?? Enumerable.Empty<string>())
        {
            if (!members.Any(m => m.Name.Equals(gone, StringComparison.OrdinalIgnoreCase)))
            {
                Disconnect(gone);
            }
        }

        // A runtime of its own under the pool's name is replaced by the pool.
        DisconnectRuntime(name);
        lock (Gate)
        {
            Pools[name] = pool;
        }

        return pool;
    }

    /// <summary>The runtime this runspace means by a name: the one it holds, else the one last connected in the process.</summary>
    public static SharedRuntime? Find(string? name)
    {
        lock (Gate)
        {
            return FindLocked(name ?? DefaultName, CurrentRunspace);
        }
    }

    public static CodexClient? ClientFor(string? name) => Find(name)?.Client;

    /// <summary>The settings of the runtime this runspace means by a name; null when none is connected.</summary>
    public static CodexRuntimeSettings? SettingsFor(string? name) => Find(name)?.Settings;

    /// <summary>The runtimes this runspace sees that have a client (running or not), the default first.</summary>
    public static IReadOnlyList<(string Name, CodexClient Client)> AllClients
    {
        get
        {
            List<SharedRuntime> visible;
            lock (Gate)
            {
                var runspace = CurrentRunspace;
                visible = Live.Select(r => r.Name).Distinct(StringComparer.OrdinalIgnoreCase)
                    .Select(n => FindLocked(n, runspace)).OfType<SharedRuntime>().ToList();
            }

            return visible.Select(r => (r.Name, Client: r.Client)).Where(r => r.Client is not null)
                .OrderBy(r => r.Name.Equals(DefaultName, StringComparison.OrdinalIgnoreCase) ? 0 : 1).ThenBy(r => r.Name, StringComparer.OrdinalIgnoreCase)
                .Select(r => (r.Name, r.Client!)).ToArray();
        }
    }

    /// <summary>A conversation loaded in any runtime of the process (conversation ids are unique across them).</summary>
    public static CodexConversation? FindConversation(string id)
    {
        SharedRuntime[] live;
        lock (Gate)
        {
            live = Live.ToArray();
        }

        return live.Select(r => r.FindConversation(id)).FirstOrDefault(c => c is not null);
    }

    /// <summary>
    /// The named runtime's running client for this runspace, restarted with its own settings when it died. The default
    /// runtime is started with the default settings on first use when nothing is connected; any other name must have
    /// been connected.
    /// </summary>
    public static CodexClient GetOrStart(string? name, CancellationToken cancellationToken) => GetOrStart(name, experimentalApi: false, cancellationToken);

    /// <summary>
    /// Like <see cref="GetOrStart(string?, CancellationToken)"/>; a default runtime started here for a command that needs
    /// the runtime's experimental API (a conversation's own tools) is started with it. A runtime already running keeps
    /// what it was connected with.
    /// </summary>
    public static CodexClient GetOrStart(string? name, bool experimentalApi, CancellationToken cancellationToken)
    {
        name ??= DefaultName;
        if (FindPool(name) is { } pool)
        {
            // A command that needs any runtime of the pool gets the one placement would pick, and holds nothing.
            using var placement = pool.Place(affinity: null, avoid: null, cancellationToken);
            return placement.Client;
        }

        var runspace = CurrentRunspace;
        SharedRuntime runtime;
        lock (Gate)
        {
            if (FindLocked(name, runspace) is { } found)
            {
                runtime = found;
                runtime.NoteUser(runspace);
            }
            else if (name.Equals(DefaultName, StringComparison.OrdinalIgnoreCase))
            {
                // First use without Connect-Codex: the default settings are pinned now, and held by this runspace.
                runtime = JoinOrAddLocked(Pin(new CodexRuntimeSettings { Name = name, ExperimentalApi = experimentalApi }), runspace);
                BindLocked(runspace, runtime);
            }
            else
            {
                throw new CodexException("CodexRuntimeNotFound", $"No runtime named '{name}' was connected in this session; start it with Connect-Codex -Name {name}.");
            }
        }

        return runtime.GetOrStart(cancellationToken);
    }

    /// <summary>
    /// Where a new conversation of the named runtime goes. A plain runtime is its own placement; a pool picks a member
    /// (the fewest active turns, an affinity key keeps its member). Dispose the placement once the conversation's turn
    /// has started or the conversation exists.
    /// </summary>
    public static RuntimePlacement Place(string? name, string? affinity, bool experimentalApi, CancellationToken cancellationToken)
    {
        if (FindPool(name ?? DefaultName) is { } pool)
        {
            return pool.Place(affinity, avoid: null, cancellationToken);
        }

        var client = GetOrStart(name, experimentalApi, cancellationToken);
        return new RuntimePlacement(client, client.Name, release: null);
    }

    /// <summary>
    /// Connects this runspace to a runtime with these settings: a live runtime with equal settings is joined as it is
    /// (started again only if it died), otherwise a new one starts. The runtime this runspace held under the name before
    /// is let go, and stops only if no other runspace holds it.
    /// </summary>
    public static CodexClient Connect(CodexRuntimeSettings settings, CancellationToken cancellationToken)
    {
        var runspace = CurrentRunspace;
        var pinned = Pin(settings);
        SharedRuntime runtime;
        lock (Gate)
        {
            runtime = JoinOrAddLocked(pinned, runspace);
        }

        CodexClient client;
        try
        {
            client = runtime.GetOrStart(cancellationToken);
        }
        catch
        {
            Release(runtime, runspace, bound: false);
            throw;
        }

        SharedRuntime? previous;
        lock (Gate)
        {
            previous = BindLocked(runspace, runtime);
        }

        if (previous is not null && !ReferenceEquals(previous, runtime))
        {
            Release(previous, runspace, bound: false);
        }

        if (settings.Pool is null)
        {
            // A runtime of its own under a pool's name replaces that pool.
            DisconnectPool(settings.Name);
        }

        return client;
    }

    /// <summary>
    /// This runspace lets go of the named runtime: it stops when no other runspace holds it. Plugins of the name are
    /// unregistered (their cleanup runs) when its last runtime stops. Returns the plugin cleanups that failed, and
    /// whether another runspace still holds the runtime.
    /// </summary>
    public static (IReadOnlyList<CodexException> FailedCleanups, bool HeldElsewhere) Disconnect(string? name)
    {
        name ??= DefaultName;
        if (DisconnectPool(name) is { } members)
        {
            return members;
        }

        return DisconnectRuntime(name);
    }

    /// <summary>Lets go of a pool's members and forgets the pool; null when no pool has the name.</summary>
    private static (IReadOnlyList<CodexException> FailedCleanups, bool HeldElsewhere)? DisconnectPool(string name)
    {
        RuntimePool? pool;
        lock (Gate)
        {
            Pools.Remove(name, out pool);
        }

        if (pool is null)
        {
            return null;
        }

        pool.Dispose();
        var failed = new List<CodexException>();
        var heldElsewhere = false;
        foreach (var member in pool.Members)
        {
            var (cleanups, elsewhere) = DisconnectRuntime(member.Name);
            failed.AddRange(cleanups);
            heldElsewhere |= elsewhere;
        }

        failed.AddRange(ClearPluginsIfUnused(name));
        return (failed, heldElsewhere);
    }

    private static (IReadOnlyList<CodexException> FailedCleanups, bool HeldElsewhere) DisconnectRuntime(string name)
    {
        var runspace = CurrentRunspace;
        SharedRuntime? own = null;
        var heldElsewhere = false;
        lock (Gate)
        {
            if (Bindings.TryGetValue(runspace, out var bound) && bound.Remove(name, out var found))
            {
                own = found;
            }
            else
            {
                heldElsewhere = Latest.ContainsKey(name);
            }
        }

        if (own is not null)
        {
            heldElsewhere = !Release(own, runspace, bound: true);
        }

        return (ClearPluginsIfUnused(name), heldElsewhere);
    }

    /// <summary>This runspace lets go of every runtime it holds.</summary>
    public static IReadOnlyList<CodexException> DisconnectAll()
    {
        var runspace = CurrentRunspace;
        string[] names;
        lock (Gate)
        {
            names = Bindings.TryGetValue(runspace, out var bound) ? bound.Keys.ToArray() : Array.Empty<string>();
        }

        var failed = new List<CodexException>();
        foreach (var pool in AllPools)
        {
            failed.AddRange(Disconnect(pool.Name).FailedCleanups);
        }

        foreach (var name in names.Union(PluginRegistry.All.Select(s => s.RuntimeName), StringComparer.OrdinalIgnoreCase).Append(DefaultName).Distinct(StringComparer.OrdinalIgnoreCase).ToArray())
        {
            failed.AddRange(Disconnect(name).FailedCleanups);
        }

        return failed;
    }

    /// <summary>
    /// Brings a conversation whose runtime died back: its own runtime is started again with the settings it was started
    /// with, and the thread is resumed there with everything the conversation had. When that runtime was disconnected
    /// on purpose meanwhile, it fails with CodexRuntimeDisconnected: nothing is ever started with other settings.
    /// </summary>
    public static CodexConversation Recover(CodexConversation conversation, CancellationToken cancellationToken)
    {
        var runspace = CurrentRunspace;
        SharedRuntime? owner;
        lock (Gate)
        {
            owner = Owners.TryGetValue(conversation.Client, out var found) ? found : null;
        }

        owner?.NoteUser(runspace);
        if (conversation.State != CodexConversationState.Detached && conversation.Client.State == CodexRuntimeState.Running)
        {
            return conversation;
        }

        if (conversation.Client.State == CodexRuntimeState.Stopped && conversation.State != CodexConversationState.Detached)
        {
            // Stopped on purpose while the conversation was loaded (Disconnect-Codex): its turn says CodexRuntimeStopped.
            return conversation;
        }

        if (owner is null || owner.IsReleased)
        {
            throw new CodexException("CodexRuntimeDisconnected",
                $"Conversation {conversation.Id} cannot be resumed: its runtime '{conversation.Client.Name}' died after Disconnect-Codex let go of it, and CodexPS "
                + "never restarts a conversation with settings other than its own. Connect-Codex again with the same settings, then Resume-CodexConversation -Id "
                + conversation.Id + ".");
        }

        if (PoolOf(owner) is { } pool)
        {
            return RecoverInPool(pool, owner, conversation, cancellationToken);
        }

        CodexClient client;
        try
        {
            client = owner.GetOrStart(cancellationToken);
        }
        catch (CodexException ex) when (ex.ErrorId == "CodexRuntimeDisconnected")
        {
            throw new CodexException("CodexRuntimeDisconnected",
                $"Conversation {conversation.Id} cannot be resumed: its runtime '{conversation.Client.Name}' was disconnected (Disconnect-Codex) while it was being recovered.", ex);
        }

        PipelineWait.Wait(client.AdoptAsync(conversation, cancellationToken), cancellationToken);
        return conversation;
    }

    /// <summary>Whether a conversation's pool moves it to another member when its own goes down (-Failover; not an ephemeral one, which has no rollout).</summary>
    public static bool CanFailOver(CodexConversation conversation)
    {
        SharedRuntime? owner;
        lock (Gate)
        {
            owner = Owners.TryGetValue(conversation.Client, out var found) ? found : null;
        }

        return !conversation.Ephemeral && owner is not null && PoolOf(owner) is { Failover: true };
    }

    /// <summary>
    /// A conversation whose pool member went down: with -Failover it is resumed on another member (placement's choice,
    /// which must reach its rollout: a shared CODEX_HOME); otherwise on its own member once that runs again (a local one
    /// is restarted), and a member that cannot be reached is CodexRuntimeUnavailable with what to do.
    /// </summary>
    private static CodexConversation RecoverInPool(RuntimePool pool, SharedRuntime owner, CodexConversation conversation, CancellationToken cancellationToken)
    {
        var member = pool.MemberOf(owner);
        if (pool.Failover && member is { IsUp: false })
        {
            using var placement = pool.Place(affinity: null, avoid: owner, cancellationToken);
            try
            {
                PipelineWait.Wait(placement.Client.AdoptAsync(conversation, cancellationToken), cancellationToken);
            }
            catch (CodexRpcException ex)
            {
                throw new CodexException("CodexRuntimeUnavailable",
                    $"Conversation {conversation.Id} was on {owner.Name}, which is down, and {placement.RuntimeName} cannot resume it ({ex.Message}): -Failover needs every member "
                    + "to reach the conversation's rollout (one CODEX_HOME on shared storage). Resume it once its member is back (Get-CodexStatus -Runtime " + pool.Name + ").", ex);
            }

            return conversation;
        }

        CodexClient client;
        try
        {
            client = owner.GetOrStart(cancellationToken);
        }
        catch (CodexException ex) when (ex.ErrorId != "CodexRuntimeDisconnected")
        {
            throw new CodexException("CodexRuntimeUnavailable",
                $"Conversation {conversation.Id} is on {owner.Name} of pool '{pool.Name}', which cannot be reached: {ex.Message} It stays there: send the turn again once the member is "
                + $"back (Get-CodexStatus -Runtime {pool.Name}), or connect the pool with -Failover and one CODEX_HOME all members reach, so that conversations move to a member that is up.", ex);
        }

        PipelineWait.Wait(client.AdoptAsync(conversation, cancellationToken), cancellationToken);
        return conversation;
    }

    /// <summary>Every runtime of the process stops (module removal, host exit), whoever holds it.</summary>
    public static void StopAll()
    {
        SharedRuntime[] live;
        RuntimePool[] pools;
        lock (Gate)
        {
            pools = Pools.Values.ToArray();
            Pools.Clear();
            live = Live.ToArray();
            Live.Clear();
            Latest.Clear();
            Bindings.Clear();
        }

        foreach (var pool in pools)
        {
            pool.Dispose();
        }

        foreach (var runtime in live)
        {
            PipelineWait.WaitAtMost(runtime.ReleaseAndStopAsync(Guid.Empty, waitForOthersTurns: false, out _), TimeSpan.FromSeconds(5));
        }

        foreach (var set in PluginRegistry.All)
        {
            PluginRegistry.Clear(set.RuntimeName);
        }
    }

    /// <summary>Records which runtime started a client, so its conversations find their own runtime again.</summary>
    internal static void Own(CodexClient client, SharedRuntime runtime)
    {
        lock (Gate)
        {
            Owners.AddOrUpdate(client, runtime);
        }
    }

    /// <summary>
    /// Pins CODEX_HOME: -CodexHome as given; with a mock, a private folder of this process (nothing a mock run does lands
    /// in the user's ~/.codex); otherwise $CODEX_HOME or ~/.codex as they are now. A remote runtime keeps its own.
    /// </summary>
    public static CodexRuntimeSettings Pin(CodexRuntimeSettings settings)
    {
        if (!settings.NeedsCodexHome)
        {
            return settings.CodexHome is null ? settings : settings.WithCodexHome(settings.CodexHome);
        }

        if (settings.MockProvider is not null)
        {
            lock (Gate)
            {
                _mockHome ??= CreateTempHome();
            }

            return settings.WithCodexHome(_mockHome);
        }

        return settings.WithCodexHome(CodexRuntimeSettings.DefaultCodexHome(
            Environment.GetEnvironmentVariable("CODEX_HOME"), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)));
    }

    private static SharedRuntime? FindLocked(string name, Guid runspace)
    {
        if (Bindings.TryGetValue(runspace, out var bound) && bound.TryGetValue(name, out var own) && !own.IsReleased)
        {
            return own;
        }

        return Latest.TryGetValue(name, out var latest) && !latest.IsReleased ? latest : null;
    }

    private static SharedRuntime JoinOrAddLocked(CodexRuntimeSettings pinned, Guid runspace)
    {
        var runtime = Live.FirstOrDefault(r => !r.IsReleased && r.Settings.IsSameRuntimeAs(pinned));
        if (runtime is null)
        {
            runtime = new SharedRuntime(pinned);
            Live.Add(runtime);
        }

        runtime.AddHolder(runspace);
        WatchLocked(runspace);
        return runtime;
    }

    /// <summary>Binds the runtime's name in this runspace to it; returns what the name was bound to before.</summary>
    private static SharedRuntime? BindLocked(Guid runspace, SharedRuntime runtime)
    {
        if (!Bindings.TryGetValue(runspace, out var bound))
        {
            Bindings[runspace] = bound = new Dictionary<string, SharedRuntime>(StringComparer.OrdinalIgnoreCase);
        }

        bound.TryGetValue(runtime.Name, out var previous);
        bound[runtime.Name] = runtime;
        Latest[runtime.Name] = runtime;
        return previous;
    }

    /// <summary>One runspace lets go of a runtime; the last one stops it. Returns whether it stopped.</summary>
    private static bool Release(SharedRuntime runtime, Guid runspace, bool bound)
    {
        lock (Gate)
        {
            if (!bound && Bindings.TryGetValue(runspace, out var names) && names.TryGetValue(runtime.Name, out var current) && ReferenceEquals(current, runtime))
            {
                // Still what this runspace means by the name: it keeps holding it.
                return false;
            }

            if (runtime.RemoveHolder(runspace) > 0 || runtime.IsReleased)
            {
                return false;
            }

            Live.Remove(runtime);
            if (Latest.TryGetValue(runtime.Name, out var latest) && ReferenceEquals(latest, runtime))
            {
                Latest.Remove(runtime.Name);
                if (Live.LastOrDefault(r => r.Name.Equals(runtime.Name, StringComparison.OrdinalIgnoreCase)) is { } other)
                {
                    Latest[runtime.Name] = other;
                }
            }
        }

        var stop = runtime.ReleaseAndStopAsync(runspace, waitForOthersTurns: true, out var deferred);
        if (!deferred)
        {
            // Disconnect-Codex returns once the runtime has stopped; a stop that waits for another runspace's turn goes on alone.
            PipelineWait.WaitAtMost(stop, TimeSpan.FromSeconds(5));
        }

        return true;
    }

    private static IReadOnlyList<CodexException> ClearPluginsIfUnused(string name)
    {
        lock (Gate)
        {
            if (Live.Any(r => r.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                return Array.Empty<CodexException>();
            }
        }

        return PluginRegistry.Clear(name);
    }

    /// <summary>A runspace that closes lets go of what it holds, so a finished ForEach-Object -Parallel or thread job leaves no runtime behind.</summary>
    private static void WatchLocked(Guid runspaceId)
    {
        if (runspaceId == Guid.Empty || !WatchedRunspaces.Add(runspaceId) || Runspace.DefaultRunspace is not { } runspace)
        {
            return;
        }

        runspace.StateChanged += (_, e) =>
        {
            if (e.RunspaceStateInfo.State is RunspaceState.Closing or RunspaceState.Closed or RunspaceState.Broken)
            {
                _ = Task.Run(() => ReleaseRunspace(runspaceId));
            }
        };
    }

    private static void ReleaseRunspace(Guid runspace)
    {
        SharedRuntime[] held;
        lock (Gate)
        {
            if (!WatchedRunspaces.Remove(runspace))
            {
                return;
            }

            held = Bindings.Remove(runspace, out var bound) ? bound.Values.ToArray() : Array.Empty<SharedRuntime>();
            held = held.Concat(Live.Where(r => r.IsHeldBy(runspace))).Distinct().ToArray();
        }

        foreach (var runtime in held)
        {
            if (Release(runtime, runspace, bound: true))
            {
                ClearPluginsIfUnused(runtime.Name);
            }
        }
    }

    private static string CreateTempHome()
    {
        var path = Path.Combine(Path.GetTempPath(), "codexps-home-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        PrivateFiles.CreateDirectory(path);
        return path;
    }
}
