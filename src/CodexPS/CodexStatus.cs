using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;
using CodexPS.Engine.Runtime;

namespace CodexPS;

/// <summary>The session's runtime as Get-CodexStatus reports it; whatever is unknown is null.</summary>
public sealed class CodexStatus
{
    /// <summary>The codex executable in use, or the one that would be started.</summary>
    public string? CodexPath { get; private init; }

    /// <summary>The version the running runtime reports.</summary>
    public string? CodexVersion { get; private init; }

    /// <summary>The codex version this build of CodexPS is made and tested for.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "A property of the status object: PowerShell shows and serializes instance properties only.")]
    public string PinnedCodexVersion => CodexRuntimeLocator.PinnedVersion;

    /// <summary>The runtime versions CodexPS supports, e.g. "0.170.0 to 0.171.x"; Connect-Codex warns outside them.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "A property of the status object: PowerShell shows and serializes instance properties only.")]
    public string SupportedCodexVersions => CodexRuntimeLocator.SupportedRange;

    /// <summary>
    /// For a runtime outside SupportedCodexVersions, whether what CodexPS uses differs from the pinned protocol (NoDrift,
    /// Drift with what differs, or NotChecked with why); null inside the range, where nothing is checked.
    /// </summary>
    public Engine.Runtime.Drift.CodexRuntimeDriftVerdict? RuntimeDrift { get; private init; }

    /// <summary>The version of the CodexPS module.</summary>
    public string? ModuleVersion { get; private init; }

    /// <summary>The CODEX_HOME folder the runtime uses.</summary>
    public string? CodexHome { get; private init; }

    /// <summary>NotStarted, Running, Exited or Stopped.</summary>
    public string RuntimeState { get; private init; } = "NotStarted";

    /// <summary>The runtime process's id; null when no local process was started.</summary>
    public int? ProcessId { get; private init; }

    /// <summary>The CodexPS session id (this runtime connection); recordings carry it. Null when no runtime is connected.</summary>
    public string? SessionId { get; private init; }

    /// <summary>When the runtime connection was started.</summary>
    public DateTimeOffset? StartedAt { get; private init; }

    /// <summary>The account the runtime is logged in with, null when none.</summary>
    public CodexAccount? Account { get; private init; }

    /// <summary>The account's auth mode (apiKey, chatgpt, ...), null when logged out.</summary>
    public string? AuthMode => Account?.AuthMode;

    /// <summary>The ChatGPT plan, null when logged out or logged in with an API key.</summary>
    public string? Plan => Account?.Plan;

    /// <summary>The managed requirements (requirements.toml, MDM) the runtime enforces; null when there are none.</summary>
    public object? ConfigRequirements { get; private init; }

    /// <summary>The base URL of the model provider the runtime uses.</summary>
    public string? ModelProvider { get; private init; }

    /// <summary>
    /// The account's rate limits (Primary, Secondary): read from the runtime (account/rateLimits/read) for a ChatGPT login,
    /// so no turn is needed first; otherwise the ones a turn last reported (the model endpoint's rate-limit headers), or null.
    /// </summary>
    public CodexRateLimits? RateLimits { get; private init; }

    /// <summary>Why the account's rate limits could not be read (an API-key login, no login, the backend unreachable); null when they were.</summary>
    public string? RateLimitsUnavailableReason { get; private init; }

    /// <summary>The ChatGPT account's token activity (account/usage/read); null when it could not be read.</summary>
    public CodexAccountUsage? Usage { get; private init; }

    /// <summary>Why the account's usage could not be read; null when it was.</summary>
    public string? UsageUnavailableReason { get; private init; }

    /// <summary>The conversations loaded in this runtime.</summary>
    public IReadOnlyCollection<CodexConversation> Conversations { get; private init; } = Array.Empty<CodexConversation>();

    /// <summary>The runtime's name (Connect-Codex -Name).</summary>
    public string Name { get; private init; } = RuntimeRegistry.DefaultName;

    /// <summary>The pool this runtime is a member of (Connect-Codex -Size, or -Uri with several); null for a runtime on its own.</summary>
    public string? Pool { get; private init; }

    /// <summary>A pool member's health: Up (takes work) or Down (died, unreachable or not answering readyz; placement skips it until it is back). Null outside a pool.</summary>
    public string? Health { get; private init; }

    /// <summary>Turns running on this runtime now.</summary>
    public int ActiveTurns { get; private init; }

    /// <summary>How many conversations placement put on this pool member; null outside a pool.</summary>
    public int? PlacedConversations { get; private init; }

    /// <summary>Why a pool member was last marked down (kept after it recovers); null when it never was, or outside a pool.</summary>
    public string? LastError { get; private init; }

    /// <summary>The session's lifecycle events, for Register-ObjectEvent -EventName ConversationEvent.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "A property of the status object: (Get-CodexStatus).Events is how a script reaches the events.")]
    public CodexLifecycleEvents Events => RuntimeRegistry.Events;

    internal static CodexStatus Capture(CancellationToken cancellationToken) => Capture(null, cancellationToken);

    /// <summary>One status per member of a pool, in member order.</summary>
    internal static IReadOnlyList<CodexStatus> CapturePool(RuntimePool pool, CancellationToken cancellationToken) =>
        pool.Members.Select(m => Capture(m.Name, cancellationToken)).ToArray();

    internal static CodexStatus Capture(string? name, CancellationToken cancellationToken)
    {
        // A pool member's pool adds health and placement to what its runtime reports.
        var owner = RuntimeRegistry.AllPools.SelectMany(p => p.Members.Select(m => (Pool: p, Member: m)))
            .FirstOrDefault(x => x.Member.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        return CaptureRuntime(name, owner.Pool, owner.Member, cancellationToken);
    }

    private static CodexStatus CaptureRuntime(string? name, RuntimePool? pool, RuntimePoolMember? member, CancellationToken cancellationToken)
    {
        var client = RuntimeRegistry.ClientFor(name);
        var moduleVersion = typeof(CodexStatus).Assembly.GetName().Version?.ToString(3);
        if (client is null)
        {
            string? path = null;
            try
            {
                path = CodexRuntimeLocator.Locate(RuntimeRegistry.SettingsFor(null)?.CodexPath, new[] { RuntimeRegistry.ModuleDirectory }).Path;
            }
            catch (Engine.CodexRuntimeNotFoundException)
            {
                // Not installed: the path stays unknown.
            }

            return new CodexStatus
            {
                Name = name ?? RuntimeRegistry.DefaultName,
                CodexPath = path,
                ModuleVersion = moduleVersion,
                RateLimitsUnavailableReason = "No runtime is running.",
                UsageUnavailableReason = "No runtime is running.",
            };
        }

        var running = client.State == CodexRuntimeState.Running;
        var account = running ? Ask(client.ReadAccountAsync, cancellationToken) : null;
        CodexRateLimits? limits = null;
        CodexAccountUsage? usage = null;
        string? limitsReason;
        string? usageReason;
        if (!running)
        {
            limitsReason = usageReason = "The runtime is not running.";
        }
        else if (account?.AuthMode == "apiKey")
        {
            // The runtime has them for a ChatGPT login only; asking would only hear it refuse.
            limitsReason = "Logged in with an API key: the runtime reads rate limits for a ChatGPT login only; a turn reports the API's rate-limit headers.";
            usageReason = "Logged in with an API key: the runtime reads account usage for a ChatGPT login only.";
        }
        else
        {
            (limits, limitsReason) = AskWithReason(client.ReadRateLimitsAsync, cancellationToken);
            (usage, usageReason) = AskWithReason(client.ReadUsageAsync, cancellationToken);
        }

        return new CodexStatus
        {
            Name = client.Name,
            CodexPath = client.Location.Path,
            CodexVersion = client.RuntimeVersion,
            RuntimeDrift = client.RuntimeDrift,
            ModuleVersion = moduleVersion,
            CodexHome = client.CodexHome,
            RuntimeState = client.State.ToString(),
            ProcessId = client.ProcessId,
            SessionId = client.SessionId,
            StartedAt = client.StartedAt,
            Account = account,
            ConfigRequirements = running && Ask(client.ReadConfigRequirementsAsync, cancellationToken) is { } requirements
                ? PowerShellJson.ToPowerShell(requirements)
                : null,
            ModelProvider = client.ModelProvider?.BaseUrl,
            RateLimits = limits ?? client.RateLimits,
            RateLimitsUnavailableReason = limitsReason,
            Usage = usage,
            UsageUnavailableReason = usageReason,
            Conversations = client.Conversations,
            ActiveTurns = client.Conversations.Count(c => c.ActiveTurn is not null),
            Pool = pool?.Name,
            Health = member is null ? null : member.IsUp ? "Up" : "Down",
            PlacedConversations = member?.Placed,
            LastError = member?.LastError,
        };
    }

    /// <summary>Like <see cref="Ask"/>, with the runtime's reason when it cannot answer.</summary>
    private static (T? Value, string? Reason) AskWithReason<T>(Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            return (PipelineWait.Wait(request(timeout.Token), timeout.Token), null);
        }
        catch (Engine.CodexRpcException ex)
        {
            return (null, "The runtime could not read it: " + ex.Message);
        }
        catch (Exception ex) when (ex is Engine.CodexException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            return (null, ex is OperationCanceledException && !cancellationToken.IsCancellationRequested
                ? "The runtime did not answer within 5 s."
                : "The runtime could not be asked: " + ex.Message);
        }
    }

    /// <summary>Asks a running runtime something for the report, waiting at most five seconds; null when it does not answer.</summary>
    private static T? Ask<T>(Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            return PipelineWait.Wait(request(timeout.Token), timeout.Token);
        }
        catch (Exception ex) when (ex is Engine.CodexException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // A runtime that stopped or was replaced while it was asked: the report leaves the value unknown.
            return default;
        }
    }
}
