using CodexPS.Engine;
using CodexPS.Engine.Conversations;

namespace CodexPS;

/// <summary>
/// A named pool of runtimes (Connect-Codex -Name farm -Size N, or -Uri with several addresses): local processes and
/// remote WebSocket runtimes, each a <see cref="SharedRuntime"/> of the registry under its own name (farm/1, farm/2...),
/// so every cmdlet finds a conversation on any member by its id. The pool adds only placement (the member with the
/// fewest active turns; an affinity key keeps its member) and health (a member that dies or whose readyz goes
/// unanswered is marked down, skipped by placement, and repaired in the background).
/// </summary>
internal sealed class RuntimePool : IDisposable
{
    /// <summary>readyz probes in a row that must fail before a remote member is given up.</summary>
    private const int ReadyFailuresToGiveUp = 3;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly object _gate = new();
    private readonly RuntimePoolMember[] _members;
    private readonly Dictionary<string, RuntimePoolMember> _affinity = new(StringComparer.Ordinal);
    private readonly Timer _health;
    private int _checking;
    private bool _disposed;

    public RuntimePool(string name, IReadOnlyList<SharedRuntime> members, bool failover, TimeSpan healthPeriod)
    {
        Name = name;
        Failover = failover;
        _members = members.Select((m, i) => new RuntimePoolMember(m, i)).ToArray();
        foreach (var member in _members)
        {
            WatchClient(member);
        }

        _health = new Timer(_ => _ = CheckHealthAsync(), null, healthPeriod, healthPeriod);
    }

    public string Name { get; }

    /// <summary>Whether a conversation whose member went down is resumed on another member (Connect-Codex -Failover).</summary>
    public bool Failover { get; }

    public IReadOnlyList<RuntimePoolMember> Members => _members;

    public bool Contains(SharedRuntime runtime) => _members.Any(m => ReferenceEquals(m.Runtime, runtime));

    /// <summary>
    /// Picks the member for a new conversation: with an affinity key, the member that key went to before while it is up;
    /// otherwise the up member with the fewest active turns (work on its way counted), then the fewest conversations,
    /// then the first. A member whose runtime cannot be reached is marked down and the next one is tried.
    /// </summary>
    public RuntimePlacement Place(string? affinity, SharedRuntime? avoid, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var tried = new HashSet<RuntimePoolMember>();
        while (true)
        {
            RuntimePoolMember? member;
            lock (_gate)
            {
                member = Choose(affinity, avoid, tried);
                if (member is null)
                {
                    var down = _members.Where(m => !tried.Contains(m) && (m.Down || !m.IsUp)).Select(m => $"{m.Name}: {m.LastError ?? "down"}");
                    throw new CodexException("CodexRuntimeUnavailable",
                        $"No member of pool '{Name}' can take work: {string.Join("; ", failures.Concat(down))}. Get-CodexStatus -Runtime {Name} shows each member.");
                }

                tried.Add(member);
                member.Held++;
                member.Placed++;
                if (affinity is not null)
                {
                    _affinity[affinity] = member;
                }
            }

            CodexClient client;
            try
            {
                client = member.Runtime.GetOrStart(cancellationToken);
                WatchClient(member);
            }
            catch (CodexException ex)
            {
                lock (_gate)
                {
                    member.Held--;
                    member.Placed--;
                    MarkDownLocked(member, ex.Message);
                }

                failures.Add($"{member.Name}: {ex.Message}");
                continue;
            }
            catch
            {
                lock (_gate)
                {
                    member.Held--;
                    member.Placed--;
                }

                throw;
            }

            return new RuntimePlacement(client, member.Name, () =>
            {
                lock (_gate)
                {
                    member.Held--;
                }
            });
        }
    }

    /// <summary>The member a runtime is, or null.</summary>
    public RuntimePoolMember? MemberOf(SharedRuntime runtime) => _members.FirstOrDefault(m => ReferenceEquals(m.Runtime, runtime));

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _health.Dispose();
    }

    private RuntimePoolMember? Choose(string? affinity, SharedRuntime? avoid, HashSet<RuntimePoolMember> tried)
    {
        if (affinity is not null && _affinity.TryGetValue(affinity, out var kept) && kept.IsUp && !tried.Contains(kept) && !ReferenceEquals(kept.Runtime, avoid))
        {
            return kept;
        }

        var candidates = _members.Where(m => !tried.Contains(m) && !ReferenceEquals(m.Runtime, avoid) && !m.Runtime.IsReleased).ToArray();
        var up = candidates.Where(m => m.IsUp).ToArray();

        // With every member down, one not yet tried is still worth a start: placement never refuses without trying.
        return (up.Length > 0 ? up : candidates.Where(m => m.Runtime.Client is null || !m.Down).ToArray())
            .OrderBy(m => m.ActiveTurns + m.Held)
            .ThenBy(m => m.Conversations + m.Held)
            .ThenBy(m => m.Index)
            .FirstOrDefault();
    }

    private static void MarkDownLocked(RuntimePoolMember member, string reason)
    {
        member.Down = true;
        member.LastError = reason;
    }

    /// <summary>A member's client that exits marks the member down at once (its turns fail with CodexRuntimeUnavailable).</summary>
    private void WatchClient(RuntimePoolMember member)
    {
        var client = member.Runtime.Client;
        lock (_gate)
        {
            if (client is null || ReferenceEquals(member.Watched, client))
            {
                return;
            }

            member.Watched = client;
        }

        client.Exited += (sender, error) =>
        {
            lock (_gate)
            {
                if (ReferenceEquals(member.Runtime.Client, sender))
                {
                    MarkDownLocked(member, (error is CodexRuntimeUnavailableException { InnerException: { } cause } ? cause : error).Message);
                }
            }
        };
    }

    /// <summary>
    /// One health round: a remote member is asked its readyz (given up after several unanswered in a row, so its turns
    /// fail instead of waiting for ever); a member that is down is started or reconnected again, and is up once it runs.
    /// </summary>
    private async Task CheckHealthAsync()
    {
        if (Interlocked.Exchange(ref _checking, 1) != 0)
        {
            return;
        }

        try
        {
            foreach (var member in _members)
            {
                lock (_gate)
                {
                    if (_disposed)
                    {
                        return;
                    }
                }

                if (member.Runtime.IsReleased)
                {
                    continue;
                }

                var remote = member.Runtime.Settings.Uri;
                var ready = remote is null || await IsReadyAsync(remote).ConfigureAwait(false);
                var client = member.Runtime.Client;
                if (!ready)
                {
                    bool giveUp;
                    lock (_gate)
                    {
                        member.ReadyFailures++;
                        giveUp = member.ReadyFailures >= ReadyFailuresToGiveUp;
                        if (giveUp && !member.Down)
                        {
                            // A member already down (its connection closed) keeps the reason it went down for.
                            MarkDownLocked(member, $"{remote} did not answer readyz {member.ReadyFailures} times in a row.");
                        }
                    }

                    if (giveUp && client is { State: CodexRuntimeState.Running })
                    {
                        client.Abandon(new CodexRuntimeUnresponsiveException("readyz", Http.Timeout,
                            $"The runtime at {remote} did not answer its readyz {ReadyFailuresToGiveUp} times in a row; it was given up."));
                    }

                    continue;
                }

                lock (_gate)
                {
                    member.ReadyFailures = 0;
                }

                if (client is { State: CodexRuntimeState.Running })
                {
                    lock (_gate)
                    {
                        member.Down = false;
                    }

                    continue;
                }

                if (client is null && !member.Down)
                {
                    // Never started: the first placement starts it.
                    continue;
                }

                Repair(member);
            }
        }
        finally
        {
            Volatile.Write(ref _checking, 0);
        }
    }

    /// <summary>Starts (reconnects) a member that is down, in the background; it is up again once it runs.</summary>
    private void Repair(RuntimePoolMember member)
    {
        lock (_gate)
        {
            if (member.Repairing || _disposed)
            {
                return;
            }

            member.Repairing = true;
        }

        _ = Task.Run(() =>
        {
            try
            {
                member.Runtime.GetOrStart(CancellationToken.None);
                WatchClient(member);
                lock (_gate)
                {
                    member.Down = false;
                }
            }
            catch (CodexException ex)
            {
                lock (_gate)
                {
                    MarkDownLocked(member, ex.Message);
                }
            }
            finally
            {
                lock (_gate)
                {
                    member.Repairing = false;
                }
            }
        });
    }

    private static async Task<bool> IsReadyAsync(Uri remote)
    {
        var http = new UriBuilder(remote) { Scheme = remote.Scheme == "wss" ? "https" : "http", Path = "/readyz", Query = string.Empty }.Uri;
        try
        {
            using var answer = await Http.GetAsync(http).ConfigureAwait(false);
            return answer.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException)
        {
            return false;
        }
    }
}
