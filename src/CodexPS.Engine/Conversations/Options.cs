using System.Collections;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Conversations;

/// <summary>How far the runtime confines the commands the model runs.</summary>
public enum CodexSandbox
{
    /// <summary>Commands may read files but not change them (read-only).</summary>
    ReadOnly,
    /// <summary>Commands may write inside the working directory only (workspace-write).</summary>
    WorkspaceWrite,
    /// <summary>No sandbox: commands may do anything the user can (danger-full-access).</summary>
    DangerFullAccess,
}

/// <summary>When the runtime asks before running a command or applying a change.</summary>
public enum CodexApprovalPolicy
{
    /// <summary>Asks before anything not known to be safe (untrusted).</summary>
    Untrusted,
    /// <summary>The model decides when to ask (on-request).</summary>
    OnRequest,
    /// <summary>Never asks; what the sandbox refuses fails and the model is told (never).</summary>
    Never,
}

/// <summary>
/// Decides an approval request; runs on the consumer's side of the event stream, never on the reader. To answer
/// questions or a form with content, call the request's RespondWithContentAsync first: the decision returned
/// afterwards is then ignored (only the first answer counts).
/// </summary>
public delegate Task<CodexApprovalDecision> CodexApprovalHandler(CodexApprovalRequest request, CancellationToken cancellationToken);

/// <summary>An OpenAI-Responses-compatible model endpoint the runtime should use instead of its default.</summary>
public sealed record CodexModelProvider(string Id, string Name, string BaseUrl)
{
    /// <summary>The environment variable the runtime reads the API key from; the key itself never becomes an argument.</summary>
    public string? EnvKey { get; init; }

    /// <summary>A model slug from the runtime's bundled catalogue to use with this provider.</summary>
    public string? DefaultModel { get; init; }

    /// <summary>0 makes a failing endpoint fail the turn at once instead of being retried.</summary>
    public int? MaxRetries { get; init; }
}

/// <summary>How a <see cref="CodexClient"/> finds, starts and talks to its runtime.</summary>
public sealed class CodexClientOptions
{
    /// <summary>An explicit runtime binary; otherwise the locator's rules apply.</summary>
    public string? CodexPath { get; set; }

    /// <summary>Folders from which native/node_modules is searched upwards (the module's own folder).</summary>
    public IList<string> SearchRoots { get; } = new List<string>();

    /// <summary>CODEX_HOME for the runtime; default $CODEX_HOME, else ~/.codex.</summary>
    public string? CodexHome { get; set; }

    /// <summary>Runtime config overrides (dotted keys or nested dictionaries), as codex's -c key=value.</summary>
    public IDictionary? Config { get; set; }

    /// <summary>A model endpoint to use instead of the runtime's default; its settings go out as config overrides.</summary>
    public CodexModelProvider? ModelProvider { get; set; }

    /// <summary>Extra environment for the runtime (null removes a variable).</summary>
    public IDictionary<string, string?> Environment { get; } = new Dictionary<string, string?>();

    /// <summary>Initializes the runtime with the experimental API (ChatGPT access-token logins need it); off by default.</summary>
    public bool ExperimentalApi { get; set; }

    /// <summary>The folder the runtime process starts in and new conversations default to; null: the current directory.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>How long a request may wait for its answer before CodexRuntimeUnresponsive; null waits for ever.</summary>
    public TimeSpan? RequestTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The watchdog of turns in flight: when a turn (or a request) is outstanding and the runtime has sent nothing for
    /// this long, it is probed with a cheap request; when the probe is not answered within this long either, the
    /// runtime counts as hung (CodexRuntimeUnresponsive): its turns fail, it is killed, and the next command starts a
    /// new one. The probe asks the runtime, not the model, so a turn quietly waiting for a slow model is not cut short.
    /// Null turns the watchdog off.
    /// </summary>
    public TimeSpan? ResponseTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long start-up (spawn to initialize answer) may take.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The client name sent in initialize; the runtime records it as the originator.</summary>
    public string ClientName { get; set; } = "codexps";

    /// <summary>The human-readable client title sent in initialize.</summary>
    public string ClientTitle { get; set; } = "CodexPS";

    /// <summary>The client version sent in initialize; by default this assembly's version.</summary>
    public string ClientVersion { get; set; } = typeof(CodexClientOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>A file every protocol line is appended to, secrets redacted.</summary>
    public string? LogPath { get; set; }

    /// <summary>A name for this runtime when a session runs several (one per CODEX_HOME or tenant).</summary>
    public string Name { get; set; } = "default";

    /// <summary>The most conversations loaded at once; one more is refused with MaxConversationsExceeded. Null: no limit.</summary>
    public int? MaxConversations { get; set; }

    /// <summary>
    /// The pool this runtime is a member of (Connect-Codex -Size/-Uri with several); null for a runtime on its own. A
    /// member that goes down fails its turns with CodexRuntimeUnavailable, naming the member, instead of
    /// CodexRuntimeExited or CodexRuntimeUnresponsive (kept as the inner exception).
    /// </summary>
    public string? Pool { get; set; }

    /// <summary>Conversations without activity for this long are unloaded from the runtime (they stay resumable). Null: never.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>Capacity of each turn's event channel; the reader waits when it is full.</summary>
    public int EventBufferCapacity { get; set; } = 1024;

    /// <summary>The runtime's plugins; a set kept across reconnects of the same runtime name. Null: a set of the client's own.</summary>
    public Plugins.CodexPluginSet? Plugins { get; set; }

    /// <summary>Receives what this client's turns and runtime report (token usage, rate limits, timing, errors, process samples).</summary>
    public Metrics.CodexMetricsCollector? Metrics { get; set; }

    /// <summary>Per-model token prices the user supplies, for costs and -MaxCostUsd; null: costs stay unknown (CodexPS ships no prices).</summary>
    public Pricing.CodexPricing? Pricing { get; set; }
}

/// <summary>Settings for a new (or forked) conversation; null members leave the runtime's defaults.</summary>
public sealed class CodexConversationOptions
{
    /// <summary>The model to use; when null, a new conversation takes the model provider's default model, if any, else the runtime's.</summary>
    public string? Model { get; set; }

    /// <summary>The folder the conversation works in, made absolute; when null, a new conversation takes the client's.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>The sandbox for the conversation's commands.</summary>
    public CodexSandbox? Sandbox { get; set; }

    /// <summary>When the runtime asks for approval.</summary>
    public CodexApprovalPolicy? ApprovalPolicy { get; set; }

    /// <summary>Starts a thread the runtime keeps no rollout of, so it cannot be resumed later.</summary>
    public bool Ephemeral { get; set; }

    /// <summary>Lets commands in a WorkspaceWrite sandbox reach the network (sandbox_workspace_write.network_access).</summary>
    public bool NetworkAccess { get; set; }

    /// <summary>
    /// Folders besides the working directory that commands in a WorkspaceWrite sandbox may write to
    /// (sandbox_workspace_write.writable_roots for this thread only); made absolute.
    /// </summary>
    public IReadOnlyList<string> AdditionalDirectories { get; set; } = Array.Empty<string>();

    /// <summary>A delegate that decides approvals for every turn: a shorthand that sets <see cref="RequestHandler"/>.</summary>
    public CodexApprovalHandler? ApprovalHandler
    {
        get => CodexServerRequestHandlers.DelegateOf(RequestHandler);
        set => RequestHandler = CodexServerRequestHandlers.FromDelegate(value);
    }

    /// <summary>Answers the requests of every turn that brings no handler of their own; with none, requests are declined.</summary>
    public ICodexServerRequestHandler? RequestHandler { get; set; }

    /// <summary>The conversation's own tools the model may call (thread/start dynamicTools; the runtime needs its experimental API).</summary>
    public IReadOnlyList<CodexDynamicTool> Tools { get; set; } = Array.Empty<CodexDynamicTool>();

    /// <summary>
    /// A fork's settings: what is given here, and for what is not, the source's when it is loaded in this runtime
    /// (the runtime itself would start the fork with its configured defaults, not the source's permissions).
    /// </summary>
    internal CodexConversationOptions ForForkOf(CodexConversation? source) => source is null ? this : new CodexConversationOptions
    {
        Model = Model,
        WorkingDirectory = WorkingDirectory,
        Sandbox = Sandbox ?? source.Sandbox,
        ApprovalPolicy = ApprovalPolicy ?? source.ApprovalPolicy,
        Ephemeral = Ephemeral,
        NetworkAccess = NetworkAccess || source.NetworkAccess,
        AdditionalDirectories = AdditionalDirectories.Count > 0 ? AdditionalDirectories : source.AdditionalDirectories,
        RequestHandler = RequestHandler,
        Tools = Tools,
    };

    /// <summary>
    /// The tokens all turns of the conversation may use together (tokenUsage.last.totalTokens summed over their model
    /// requests). A turn that passes it is stopped; a turn started with none left is refused (CodexBudgetExceeded).
    /// Kept by CodexPS, not the runtime: a fork or a resumed conversation starts without one. Null: no budget.
    /// </summary>
    public long? TokenBudget { get; set; }

    /// <summary>The parameters thread/start and thread/fork share; the folder is made absolute when given.</summary>
    internal System.Text.Json.Nodes.JsonObject ToThreadParameters(string? model, string? workingDirectory)
    {
        var parameters = new System.Text.Json.Nodes.JsonObject();
        if (model is not null)
        {
            parameters["model"] = model;
        }

        if (workingDirectory is not null)
        {
            parameters["cwd"] = System.IO.Path.GetFullPath(workingDirectory);
        }

        if (Sandbox is { } sandbox)
        {
            parameters["sandbox"] = OptionNames.Sandbox(sandbox);
        }

        if (ApprovalPolicy is { } policy)
        {
            parameters["approvalPolicy"] = OptionNames.Approval(policy);
        }

        if (Ephemeral)
        {
            parameters["ephemeral"] = true;
        }

        var config = OptionNames.SandboxConfig(NetworkAccess, AdditionalDirectories);
        if (config.Count > 0)
        {
            parameters["config"] = config;
        }

        return parameters;
    }
}

/// <summary>Settings for one turn; the model, effort, folder, sandbox and policy also stay for the turns after it.</summary>
public sealed class CodexTurnOptions
{
    /// <summary>Whether text deltas are delivered; without them only whole items arrive.</summary>
    public bool IncludeDeltas { get; set; } = true;

    /// <summary>A delegate that decides this turn's approvals: a shorthand that sets <see cref="RequestHandler"/>.</summary>
    public CodexApprovalHandler? ApprovalHandler
    {
        get => CodexServerRequestHandlers.DelegateOf(RequestHandler);
        set => RequestHandler = CodexServerRequestHandlers.FromDelegate(value);
    }

    /// <summary>Answers this turn's server requests instead of the conversation's handler.</summary>
    public ICodexServerRequestHandler? RequestHandler { get; set; }

    /// <summary>The model for this turn (and the conversation from now on).</summary>
    public string? Model { get; set; }

    /// <summary>The reasoning effort for this turn (and the conversation from now on), as the runtime names it.</summary>
    public string? Effort { get; set; }

    /// <summary>The folder this turn (and the conversation from now on) works in.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>The sandbox for this turn (and the conversation from now on).</summary>
    public CodexSandbox? Sandbox { get; set; }

    /// <summary>The approval policy for this turn (and the conversation from now on).</summary>
    public CodexApprovalPolicy? ApprovalPolicy { get; set; }

    /// <summary>Local image files sent with the prompt.</summary>
    public IList<string> Images { get; } = new List<string>();

    /// <summary>A JSON Schema the final answer must follow; the runtime constrains the model with it.</summary>
    public System.Text.Json.Nodes.JsonNode? OutputSchema { get; set; }

    /// <summary>The tokens this turn may use (tokenUsage.last.totalTokens summed over its model requests); more stops it. Null: no limit.</summary>
    public long? MaxTokens { get; set; }

    /// <summary>How long this turn may run, from the moment it is sent; longer stops it. Null: no limit.</summary>
    public TimeSpan? MaxDuration { get; set; }

    /// <summary>How many tools this turn may call (commands, file changes, MCP and dynamic tool calls); one more stops it. Null: no limit.</summary>
    public int? MaxToolCalls { get; set; }

    /// <summary>What this turn may cost in USD (needs a price for its model: CodexClientOptions.Pricing); more stops it. Null: no limit.</summary>
    public decimal? MaxCostUsd { get; set; }
}

/// <summary>New defaults for a conversation; null members stay as they are.</summary>
public sealed class CodexConversationSettings
{
    /// <summary>The model for the next turns.</summary>
    public string? Model { get; set; }

    /// <summary>The reasoning effort for the next turns, as the runtime names it.</summary>
    public string? Effort { get; set; }

    /// <summary>The folder the next turns work in (made absolute).</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>The sandbox for the next turns.</summary>
    public CodexSandbox? Sandbox { get; set; }

    /// <summary>The approval policy for the next turns.</summary>
    public CodexApprovalPolicy? ApprovalPolicy { get; set; }
}

internal static class OptionNames
{
    public static string Sandbox(CodexSandbox sandbox) => sandbox switch
    {
        CodexSandbox.ReadOnly => "read-only",
        CodexSandbox.WorkspaceWrite => "workspace-write",
        _ => "danger-full-access",
    };

    public static string Approval(CodexApprovalPolicy policy) => policy switch
    {
        CodexApprovalPolicy.Untrusted => "untrusted",
        CodexApprovalPolicy.OnRequest => "on-request",
        _ => "never",
    };

    /// <summary>
    /// The turn-level sandbox policy object (turn/start's sandboxPolicy, command/exec's). A WorkspaceWrite policy
    /// carries the conversation's network access and extra writable folders: the turn's policy replaces the
    /// thread's, so leaving them out would take them away from that turn on.
    /// </summary>
    public static System.Text.Json.Nodes.JsonObject SandboxPolicy(CodexSandbox sandbox, bool networkAccess = false, IReadOnlyList<string>? writableRoots = null)
    {
        var policy = new System.Text.Json.Nodes.JsonObject
        {
            ["type"] = sandbox switch
            {
                CodexSandbox.ReadOnly => "readOnly",
                CodexSandbox.WorkspaceWrite => "workspaceWrite",
                _ => "dangerFullAccess",
            },
        };
        if (sandbox == CodexSandbox.WorkspaceWrite)
        {
            if (networkAccess)
            {
                policy["networkAccess"] = true;
            }

            if (writableRoots is { Count: > 0 })
            {
                policy["writableRoots"] = new System.Text.Json.Nodes.JsonArray(writableRoots.Select(r => (System.Text.Json.Nodes.JsonNode?)r).ToArray());
            }
        }

        return policy;
    }

    /// <summary>The per-thread config overrides for network access and extra writable folders (thread/start, fork, resume).</summary>
    public static System.Text.Json.Nodes.JsonObject SandboxConfig(bool networkAccess, IReadOnlyList<string> writableRoots)
    {
        var config = new System.Text.Json.Nodes.JsonObject();
        if (networkAccess)
        {
            config["sandbox_workspace_write.network_access"] = true;
        }

        if (writableRoots.Count > 0)
        {
            config["sandbox_workspace_write.writable_roots"] = new System.Text.Json.Nodes.JsonArray(writableRoots.Select(r => (System.Text.Json.Nodes.JsonNode?)r).ToArray());
        }

        return config;
    }

    public static CodexSandbox? ParseSandbox(string? text) => text switch
    {
        "read-only" or "readOnly" => CodexSandbox.ReadOnly,
        "workspace-write" or "workspaceWrite" => CodexSandbox.WorkspaceWrite,
        "danger-full-access" or "dangerFullAccess" => CodexSandbox.DangerFullAccess,
        _ => null,
    };

    public static CodexApprovalPolicy? ParseApproval(string? text) => text switch
    {
        "untrusted" => CodexApprovalPolicy.Untrusted,
        "on-request" => CodexApprovalPolicy.OnRequest,
        "never" => CodexApprovalPolicy.Never,
        _ => null,
    };
}
