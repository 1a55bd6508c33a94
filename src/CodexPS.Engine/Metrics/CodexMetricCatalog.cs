namespace CodexPS.Engine.Metrics;

/// <summary>The 42 data points of the seed's DataStorage, plus the details the dashboard draws, each tied to a real signal.</summary>
public static class CodexMetricCatalog
{
    /// <summary>Metric "tokens_total" (tokens): tokenUsage.total.totalTokens: the thread's running total as the runtime counts it, per conversation, at each report.</summary>
    public const string TokensTotal = "tokens_total";
    /// <summary>Metric "tokens_input" (tokens): tokenUsage.total.inputTokens: the thread's running input total, per conversation.</summary>
    public const string TokensInput = "tokens_input";
    /// <summary>Metric "tokens_output" (tokens): tokenUsage.total.outputTokens: the thread's running output total, per conversation.</summary>
    public const string TokensOutput = "tokens_output";
    /// <summary>Metric "tokens_remaining" (tokens): The room left in the model's context window after the last model request: modelContextWindow − tokenUsage.last.totalTokens. No token quota of the rate-limit windows reaches the client (the runtime reports only used percentages), so the context window is the only token limit there is; context_window_remaining is the same value under its own name.</summary>
    public const string TokensRemaining = "tokens_remaining";
    /// <summary>Metric "tokens_limit" (tokens): The model's context window (tokenUsage.modelContextWindow): the only token limit the runtime reports, as no token quota of the rate-limit windows reaches the client; context_window_tokens is the same value under its own name.</summary>
    public const string TokensLimit = "tokens_limit";
    /// <summary>Metric "tokens_reset_time" (s): rateLimits.primary.resetsAt − the report's emittedAtMs: seconds until the primary window resets.</summary>
    public const string TokensResetTime = "tokens_reset_time";
    /// <summary>Metric "requests_total" (requests): Model requests the runtime made for the collector's turns, since the collector started: one per token report whose thread total grew (a completed request), one per error the runtime retries and one per turn that failed with a model endpoint error. Retries the runtime makes inside one request without reporting them (request_max_retries) are not seen, and a request cut off by an interrupt is not counted; turns_total counts turns.</summary>
    public const string RequestsTotal = "requests_total";
    /// <summary>Metric "requests_remaining" (requests): Always null.</summary>
    public const string RequestsRemaining = "requests_remaining";
    /// <summary>Metric "requests_limit" (requests): Always null.</summary>
    public const string RequestsLimit = "requests_limit";
    /// <summary>Metric "requests_reset_time" (s): No request quota is reported, so no request window resets; the windows the runtime does report reset at tokens_reset_time (primary) and rate_limit_secondary_reset_time.</summary>
    public const string RequestsResetTime = "requests_reset_time";
    /// <summary>Metric "quota_usage_percent" (%): rateLimits.primary.usedPercent: how much of the primary (short) window is used.</summary>
    public const string QuotaUsagePercent = "quota_usage_percent";
    /// <summary>Metric "rate_limit_status" (state): 0 = every reported window below 80 %; 1 = a window at 80 % or more; 2 = a window at 100 %, or a turn failed with usageLimitExceeded.</summary>
    public const string RateLimitStatus = "rate_limit_status";

    /// <summary>Metric "input_tokens_current" (tokens): Sum of tokenUsage.last.inputTokens over the model requests of one turn (one point per turn); a report the runtime repeats without a new request (after a broken stream) is counted once.</summary>
    public const string InputTokensCurrent = "input_tokens_current";
    /// <summary>Metric "output_tokens_current" (tokens): Sum of tokenUsage.last.outputTokens over the model requests of one turn.</summary>
    public const string OutputTokensCurrent = "output_tokens_current";
    /// <summary>Metric "total_tokens_current" (tokens): Sum of tokenUsage.last.totalTokens over the model requests of one turn.</summary>
    public const string TotalTokensCurrent = "total_tokens_current";
    /// <summary>Metric "input_tokens_cumulative" (tokens): Sum of input_tokens_current over every turn since the collector started, across conversations.</summary>
    public const string InputTokensCumulative = "input_tokens_cumulative";
    /// <summary>Metric "output_tokens_cumulative" (tokens): Sum of output_tokens_current over every turn since the collector started.</summary>
    public const string OutputTokensCumulative = "output_tokens_cumulative";
    /// <summary>Metric "total_tokens_cumulative" (tokens): Sum of total_tokens_current over every turn since the collector started.</summary>
    public const string TotalTokensCumulative = "total_tokens_cumulative";
    /// <summary>Metric "tokens_per_request_avg" (tokens): total_tokens_cumulative ÷ the completed model requests of those turns (the token reports counted in it): the mean tokens of one model request.</summary>
    public const string TokensPerRequestAvg = "tokens_per_request_avg";
    /// <summary>Metric "token_efficiency_ratio" (ratio): output_tokens_current ÷ input_tokens_current of the turn (output produced per token of input sent).</summary>
    public const string TokenEfficiencyRatio = "token_efficiency_ratio";
    /// <summary>Metric "model_token_cost" (USD): the turn's cost from the prices given to Connect-Codex -Pricing; null without a price for its model.</summary>
    public const string ModelTokenCost = "model_token_cost";
    /// <summary>Metric "token_usage_trend" (tokens/turn): Least-squares slope of total_tokens_current over the last 10 turns (needs two turns).</summary>
    public const string TokenUsageTrend = "token_usage_trend";

    /// <summary>Metric "api_request_duration" (ms): One point per completed model request (runtime clock, emittedAtMs): from the turn's start, or the end of the request before it, to the request's token report, less the time tool calls ran and approvals waited in between (the runtime runs a tool the response asked for before it reports that response's tokens). It includes the runtime's own work to build the request. turn_duration is the whole turn.</summary>
    public const string ApiRequestDuration = "api_request_duration";
    /// <summary>Metric "response_time_p50" (ms): Median of processing_time over the last 100 turns.</summary>
    public const string ResponseTimeP50 = "response_time_p50";
    /// <summary>Metric "response_time_p95" (ms): 95th percentile (nearest rank) of processing_time over the last 100 turns.</summary>
    public const string ResponseTimeP95 = "response_time_p95";
    /// <summary>Metric "request_queue_size" (requests): Requests sent to the runtime and not yet answered, sampled at each turn's start and end and every sample interval.</summary>
    public const string RequestQueueSize = "request_queue_size";
    /// <summary>Metric "throughput_requests_per_sec" (requests/s): Model requests (counted as in requests_total) that ended in the last 60 s ÷ the seconds of that window observed since the collector's first turn (at least 1 s), at each request's end. throughput_turns_per_sec counts turns.</summary>
    public const string ThroughputRequestsPerSec = "throughput_requests_per_sec";
    /// <summary>Metric "connection_latency" (ms): Client clock: the round trip of turn/start (or review/start) on the module's connection to the runtime, from writing the request to reading its answer. The runtime's own connection to the model endpoint reports no latency; turn_start_latency is the time until the turn started.</summary>
    public const string ConnectionLatency = "connection_latency";
    /// <summary>Metric "processing_time" (ms): Client clock: from sending turn/start to receiving turn/completed (what a caller waits).</summary>
    public const string ProcessingTime = "processing_time";
    /// <summary>Metric "time_to_first_token" (ms): emittedAtMs of the first agent-message or reasoning delta − emittedAtMs of turn/started.</summary>
    public const string TimeToFirstToken = "time_to_first_token";
    /// <summary>Metric "tokens_per_second" (tokens/s): output_tokens_current ÷ the seconds from the first delta to turn/completed (emittedAtMs); the runtime's durationMs when no delta came.</summary>
    public const string TokensPerSecond = "tokens_per_second";
    /// <summary>Metric "error_recovery_time" (ms): From the end of the first failed turn of a run of failures to the end of the next completed turn.</summary>
    public const string ErrorRecoveryTime = "error_recovery_time";

    /// <summary>Metric "memory_usage" (bytes): The runtime process's working set, sampled at each turn's end and every sample interval.</summary>
    public const string MemoryUsage = "memory_usage";
    /// <summary>Metric "cpu_usage" (%): Δ processor time of the runtime process ÷ (Δ wall time × processor count) × 100 between two samples.</summary>
    public const string CpuUsage = "cpu_usage";
    /// <summary>Metric "connection_status" (state): 1 while a runtime connection is running, 0 after it exited or was stopped.</summary>
    public const string ConnectionStatus = "connection_status";
    /// <summary>Metric "error_rate" (%): Failed turns ÷ turns × 100 over the last 20 turns the module ran.</summary>
    public const string ErrorRate = "error_rate";
    /// <summary>Metric "uptime" (s): Seconds since the running runtime process was started.</summary>
    public const string Uptime = "uptime";
    /// <summary>Metric "active_connections" (connections): Runtime connections (codex app-server processes) attached to the collector and running.</summary>
    public const string ActiveConnections = "active_connections";
    /// <summary>Metric "system_health_score" (score): 0 when no runtime is running; otherwise the mean of the components known at the sample: service_availability, runtime_availability, 100 − error_rate, network_stability and 100 − quota_usage_percent (clamped to 0..100). Sampled at each turn's end, when a runtime attaches or exits, and every sample interval.</summary>
    public const string SystemHealthScore = "system_health_score";
    /// <summary>Metric "resource_utilization" (%): The higher of cpu_usage and memory_utilization at the same sample of the runtime process: the share of the resource it is nearest to exhausting. Known from the second sample on (CPU needs an interval).</summary>
    public const string ResourceUtilization = "resource_utilization";
    /// <summary>Metric "network_stability" (%): Turns with neither a retried request nor a transport failure (httpConnectionFailed, responseStream*, runtime exit) ÷ turns × 100 over the last 20 turns the module ran.</summary>
    public const string NetworkStability = "network_stability";
    /// <summary>Metric "service_availability" (%): Model requests the endpoint answered ÷ model requests made × 100, over the last 100 requests (counted as in requests_total). Answered: completed, or refused (usageLimitExceeded, rateLimitExceeded, contextWindowExceeded, badRequest, unauthorized, modelNotFound, a policy refusal, or a connection error with a 4xx status). Not answered: internalServerError, serverOverloaded, flexUnavailable, policyCapacityUnavailable, other (a stream closed early), and a connection or stream failure without a 4xx status, each retried attempt included. runtime_availability watches the runtime process.</summary>
    public const string ServiceAvailability = "service_availability";

    /// <summary>Metric "rate_limit_secondary_used_percent" (%): rateLimits.secondary.usedPercent: how much of the secondary (long) window is used.</summary>
    public const string SecondaryUsedPercent = "rate_limit_secondary_used_percent";
    /// <summary>Metric "rate_limit_secondary_reset_time" (s): rateLimits.secondary.resetsAt − the report's emittedAtMs.</summary>
    public const string SecondaryResetTime = "rate_limit_secondary_reset_time";
    /// <summary>Metric "errors_total" (errors): Count of failed turns since the collector started, per error category (the label: the codexErrorInfo name such as internalServerError or usageLimitExceeded; turnFailed when the runtime gave none; runtimeExited, runtimeStopped or notStarted when the turn ended without a turn/completed).</summary>
    public const string ErrorsTotal = "errors_total";
    /// <summary>Metric "item_duration" (ms): How long each item took, labelled with its type (AgentMessage, CommandExecution, FileChange, ...).</summary>
    public const string ItemDuration = "item_duration";

    /// <summary>Metric "turns_total" (turns): Turns (turn/start and review/start) the module started since the collector started: what requests_total counted before it counted model requests.</summary>
    public const string TurnsTotal = "turns_total";
    /// <summary>Metric "turn_duration" (ms): turn/completed turn.durationMs: the whole turn as the runtime measured it, its model requests plus the tools they called.</summary>
    public const string TurnDuration = "turn_duration";
    /// <summary>Metric "turn_start_latency" (ms): Client clock: from sending turn/start to receiving the runtime's turn/started.</summary>
    public const string TurnStartLatency = "turn_start_latency";
    /// <summary>Metric "throughput_turns_per_sec" (turns/s): Turns completed in the last 60 s ÷ the seconds of that window observed since the collector's first turn (at least 1 s), at each turn's end.</summary>
    public const string ThroughputTurnsPerSec = "throughput_turns_per_sec";
    /// <summary>Metric "runtime_availability" (%): Time a runtime process was running ÷ time observed since the first runtime attached × 100; a runtime that exits on its own is down until the next one starts.</summary>
    public const string RuntimeAvailability = "runtime_availability";
    /// <summary>Metric "memory_utilization" (%): memory_usage ÷ the memory available to .NET on the machine (GC.GetGCMemoryInfo().TotalAvailableMemoryBytes) × 100.</summary>
    public const string MemoryUtilization = "memory_utilization";
    /// <summary>Metric "context_window_tokens" (tokens): tokenUsage.modelContextWindow: the model's context window, as the runtime reports it with each token report (tokens_limit under its own name).</summary>
    public const string ContextWindowTokens = "context_window_tokens";
    /// <summary>Metric "context_window_remaining" (tokens): modelContextWindow − tokenUsage.last.totalTokens: the room left in the context window after the last model request (tokens_remaining under its own name).</summary>
    public const string ContextWindowRemaining = "context_window_remaining";

    private const string TokenUsageSignal = "thread/tokenUsage/updated";
    private const string RateLimitSignal = "account/rateLimits/updated (the endpoint's x-codex-primary-*/x-codex-secondary-* headers)";
    private const string TurnSignal = "turn/started, item deltas and turn/completed (emittedAtMs) of each turn";
    private const string Window = "the last 20 turns the module ran";
    private const string NoRequestQuota = "The runtime reports rate limits only as used percentages of its primary and secondary windows; no request quota (a count of requests allowed or left) reaches the client, so none is invented.";

    private static readonly CodexMetricDefinition[] Definitions =
    {
        // Rate limits (12)
        new(TokensTotal, CodexMetricCategory.RateLimits, "tokens", CodexMetricKind.Gauge, TokenUsageSignal,
            "tokenUsage.total.totalTokens: the thread's running total as the runtime counts it, per conversation, at each report."),
        new(TokensInput, CodexMetricCategory.RateLimits, "tokens", CodexMetricKind.Gauge, TokenUsageSignal,
            "tokenUsage.total.inputTokens: the thread's running input total, per conversation."),
        new(TokensOutput, CodexMetricCategory.RateLimits, "tokens", CodexMetricKind.Gauge, TokenUsageSignal,
            "tokenUsage.total.outputTokens: the thread's running output total, per conversation."),
        new(TokensRemaining, CodexMetricCategory.RateLimits, "tokens", CodexMetricKind.Gauge, TokenUsageSignal,
            "The room left in the model's context window after the last model request: modelContextWindow − tokenUsage.last.totalTokens. No token quota of the rate-limit windows reaches the client (the runtime reports only used percentages), so the context window is the only token limit there is; context_window_remaining is the same value under its own name."),
        new(TokensLimit, CodexMetricCategory.RateLimits, "tokens", CodexMetricKind.Gauge, TokenUsageSignal,
            "The model's context window (tokenUsage.modelContextWindow): the only token limit the runtime reports, as no token quota of the rate-limit windows reaches the client; context_window_tokens is the same value under its own name."),
        new(TokensResetTime, CodexMetricCategory.RateLimits, "s", CodexMetricKind.Gauge, RateLimitSignal,
            "rateLimits.primary.resetsAt − the report's emittedAtMs: seconds until the primary window resets."),
        new(RequestsTotal, CodexMetricCategory.RateLimits, "requests", CodexMetricKind.Counter, "thread/tokenUsage/updated (a completed model request); error with willRetry and turn/completed turn.error (a failed one)",
            "Model requests the runtime made for the collector's turns, since the collector started: one per token report whose thread total grew (a completed request), one per error the runtime retries and one per turn that failed with a model endpoint error. Retries the runtime makes inside one request without reporting them (request_max_retries) are not seen, and a request cut off by an interrupt is not counted; turns_total counts turns."),
        new(RequestsRemaining, CodexMetricCategory.RateLimits, "requests", CodexMetricKind.Gauge, "none", "Always null.", NoRequestQuota),
        new(RequestsLimit, CodexMetricCategory.RateLimits, "requests", CodexMetricKind.Gauge, "none", "Always null.", NoRequestQuota),
        new(RequestsResetTime, CodexMetricCategory.RateLimits, "s", CodexMetricKind.Gauge, "none", "Always null.",
            "No request quota is reported, so no request window resets; the windows the runtime does report reset at tokens_reset_time (primary) and rate_limit_secondary_reset_time."),
        new(QuotaUsagePercent, CodexMetricCategory.RateLimits, "%", CodexMetricKind.Gauge, RateLimitSignal,
            "rateLimits.primary.usedPercent: how much of the primary (short) window is used."),
        new(RateLimitStatus, CodexMetricCategory.RateLimits, "state", CodexMetricKind.Gauge, RateLimitSignal + "; turn/completed codexErrorInfo",
            "0 = every reported window below 80 %; 1 = a window at 80 % or more; 2 = a window at 100 %, or a turn failed with usageLimitExceeded."),

        // Token usage (10)
        new(InputTokensCurrent, CodexMetricCategory.TokenUsage, "tokens", CodexMetricKind.Gauge, TokenUsageSignal,
            "Sum of tokenUsage.last.inputTokens over the model requests of one turn (one point per turn); a report the runtime repeats without a new request (after a broken stream) is counted once."),
        new(OutputTokensCurrent, CodexMetricCategory.TokenUsage, "tokens", CodexMetricKind.Gauge, TokenUsageSignal,
            "Sum of tokenUsage.last.outputTokens over the model requests of one turn."),
        new(TotalTokensCurrent, CodexMetricCategory.TokenUsage, "tokens", CodexMetricKind.Gauge, TokenUsageSignal,
            "Sum of tokenUsage.last.totalTokens over the model requests of one turn."),
        new(InputTokensCumulative, CodexMetricCategory.TokenUsage, "tokens", CodexMetricKind.Counter, TokenUsageSignal,
            "Sum of input_tokens_current over every turn since the collector started, across conversations."),
        new(OutputTokensCumulative, CodexMetricCategory.TokenUsage, "tokens", CodexMetricKind.Counter, TokenUsageSignal,
            "Sum of output_tokens_current over every turn since the collector started."),
        new(TotalTokensCumulative, CodexMetricCategory.TokenUsage, "tokens", CodexMetricKind.Counter, TokenUsageSignal,
            "Sum of total_tokens_current over every turn since the collector started."),
        new(TokensPerRequestAvg, CodexMetricCategory.TokenUsage, "tokens", CodexMetricKind.Gauge, TokenUsageSignal,
            "total_tokens_cumulative ÷ the completed model requests of those turns (the token reports counted in it): the mean tokens of one model request."),
        new(TokenEfficiencyRatio, CodexMetricCategory.TokenUsage, "ratio", CodexMetricKind.Gauge, TokenUsageSignal,
            "output_tokens_current ÷ input_tokens_current of the turn (output produced per token of input sent)."),
        new(ModelTokenCost, CodexMetricCategory.TokenUsage, "USD", CodexMetricKind.Gauge, "thread/tokenUsage/updated priced with Connect-Codex -Pricing",
            "One point per turn: the sum over its model requests of (input − cached) × the input price + cached × the cached-input price + output × the output price, per million tokens, with the prices the user gave for the turn's model. Null when no price is known for that model.",
            "The runtime reports token counts, never prices, and CodexPS ships no price list, because a shipped list would go stale: without -Pricing a cost would be invented."),
        new(TokenUsageTrend, CodexMetricCategory.TokenUsage, "tokens/turn", CodexMetricKind.Gauge, TokenUsageSignal,
            "Least-squares slope of total_tokens_current over the last 10 turns (needs two turns)."),

        // Performance (10)
        new(ApiRequestDuration, CodexMetricCategory.Performance, "ms", CodexMetricKind.Gauge, "turn/started, tool items and approvals, thread/tokenUsage/updated (emittedAtMs)",
            "One point per completed model request (runtime clock, emittedAtMs): from the turn's start, or the end of the request before it, to the request's token report, less the time tool calls ran and approvals waited in between (the runtime runs a tool the response asked for before it reports that response's tokens). It includes the runtime's own work to build the request. turn_duration is the whole turn."),
        new(ResponseTimeP50, CodexMetricCategory.Performance, "ms", CodexMetricKind.Gauge, "processing_time",
            "Median of processing_time over the last 100 turns."),
        new(ResponseTimeP95, CodexMetricCategory.Performance, "ms", CodexMetricKind.Gauge, "processing_time",
            "95th percentile (nearest rank) of processing_time over the last 100 turns."),
        new(RequestQueueSize, CodexMetricCategory.Performance, "requests", CodexMetricKind.Gauge, "the JSON-RPC connection's pending requests",
            "Requests sent to the runtime and not yet answered, sampled at each turn's start and end and every sample interval."),
        new(ThroughputRequestsPerSec, CodexMetricCategory.Performance, "requests/s", CodexMetricKind.Gauge, "the ends of model requests (see requests_total)",
            "Model requests (counted as in requests_total) that ended in the last 60 s ÷ the seconds of that window observed since the collector's first turn (at least 1 s), at each request's end. throughput_turns_per_sec counts turns."),
        new(ConnectionLatency, CodexMetricCategory.Performance, "ms", CodexMetricKind.Gauge, "turn/start request → its response",
            "Client clock: the round trip of turn/start (or review/start) on the module's connection to the runtime, from writing the request to reading its answer. The runtime's own connection to the model endpoint reports no latency; turn_start_latency is the time until the turn started."),
        new(ProcessingTime, CodexMetricCategory.Performance, "ms", CodexMetricKind.Gauge, "turn/start request → turn/completed notification",
            "Client clock: from sending turn/start to receiving turn/completed (what a caller waits)."),
        new(TimeToFirstToken, CodexMetricCategory.Performance, "ms", CodexMetricKind.Gauge, TurnSignal,
            "emittedAtMs of the first agent-message or reasoning delta − emittedAtMs of turn/started."),
        new(TokensPerSecond, CodexMetricCategory.Performance, "tokens/s", CodexMetricKind.Gauge, TurnSignal + "; " + TokenUsageSignal,
            "output_tokens_current ÷ the seconds from the first delta to turn/completed (emittedAtMs); the runtime's durationMs when no delta came."),
        new(ErrorRecoveryTime, CodexMetricCategory.Performance, "ms", CodexMetricKind.Gauge, "turn/completed status",
            "From the end of the first failed turn of a run of failures to the end of the next completed turn."),

        // System health (10)
        new(MemoryUsage, CodexMetricCategory.SystemHealth, "bytes", CodexMetricKind.Gauge, "the runtime process (codex app-server)",
            "The runtime process's working set, sampled at each turn's end and every sample interval."),
        new(CpuUsage, CodexMetricCategory.SystemHealth, "%", CodexMetricKind.Gauge, "the runtime process (codex app-server)",
            "Δ processor time of the runtime process ÷ (Δ wall time × processor count) × 100 between two samples."),
        new(ConnectionStatus, CodexMetricCategory.SystemHealth, "state", CodexMetricKind.Gauge, "the client's runtime state",
            "1 while a runtime connection is running, 0 after it exited or was stopped."),
        new(ErrorRate, CodexMetricCategory.SystemHealth, "%", CodexMetricKind.Gauge, "turn/completed status",
            "Failed turns ÷ turns × 100 over " + Window + "."),
        new(Uptime, CodexMetricCategory.SystemHealth, "s", CodexMetricKind.Gauge, "the runtime process start",
            "Seconds since the running runtime process was started."),
        new(ActiveConnections, CodexMetricCategory.SystemHealth, "connections", CodexMetricKind.Gauge, "attached clients",
            "Runtime connections (codex app-server processes) attached to the collector and running."),
        new(SystemHealthScore, CodexMetricCategory.SystemHealth, "score", CodexMetricKind.Gauge, "service_availability, runtime_availability, error_rate, network_stability, quota_usage_percent",
            "0 when no runtime is running; otherwise the mean of the components known at the sample: service_availability, runtime_availability, 100 − error_rate, network_stability and 100 − quota_usage_percent (clamped to 0..100). Sampled at each turn's end, when a runtime attaches or exits, and every sample interval."),
        new(ResourceUtilization, CodexMetricCategory.SystemHealth, "%", CodexMetricKind.Gauge, "the runtime process; the processors and the memory available to .NET",
            "The higher of cpu_usage and memory_utilization at the same sample of the runtime process: the share of the resource it is nearest to exhausting. Known from the second sample on (CPU needs an interval)."),
        new(NetworkStability, CodexMetricCategory.SystemHealth, "%", CodexMetricKind.Gauge, "error notifications (willRetry) and turn/completed codexErrorInfo",
            "Turns with neither a retried request nor a transport failure (httpConnectionFailed, responseStream*, runtime exit) ÷ turns × 100 over " + Window + "."),
        new(ServiceAvailability, CodexMetricCategory.SystemHealth, "%", CodexMetricKind.Gauge, "thread/tokenUsage/updated, error (willRetry) and turn/completed turn.error of model requests",
            "Model requests the endpoint answered ÷ model requests made × 100, over the last 100 requests (counted as in requests_total). Answered: completed, or refused (usageLimitExceeded, rateLimitExceeded, contextWindowExceeded, badRequest, unauthorized, modelNotFound, a policy refusal, or a connection error with a 4xx status). Not answered: internalServerError, serverOverloaded, flexUnavailable, policyCapacityUnavailable, other (a stream closed early), and a connection or stream failure without a 4xx status, each retried attempt included. runtime_availability watches the runtime process."),

        // Details beyond the seed's 42: the second rate-limit window, errors by category and item timing.
        new(SecondaryUsedPercent, CodexMetricCategory.RateLimits, "%", CodexMetricKind.Gauge, RateLimitSignal,
            "rateLimits.secondary.usedPercent: how much of the secondary (long) window is used.", isSeedPoint: false),
        new(SecondaryResetTime, CodexMetricCategory.RateLimits, "s", CodexMetricKind.Gauge, RateLimitSignal,
            "rateLimits.secondary.resetsAt − the report's emittedAtMs.", isSeedPoint: false),
        new(ErrorsTotal, CodexMetricCategory.SystemHealth, "errors", CodexMetricKind.Counter, "turn/completed turn.error.codexErrorInfo; runtime exits",
            "Count of failed turns since the collector started, per error category (the label: the codexErrorInfo name such as internalServerError or usageLimitExceeded; turnFailed when the runtime gave none; runtimeExited, runtimeStopped or notStarted when the turn ended without a turn/completed).", isSeedPoint: false),
        new(ItemDuration, CodexMetricCategory.Performance, "ms", CodexMetricKind.Gauge, "item/started → item/completed (emittedAtMs)",
            "How long each item took, labelled with its type (AgentMessage, CommandExecution, FileChange, ...).", isSeedPoint: false),

        // Honest twins: what a seed name measured before it measured what it says, or what it can only approximate.
        new(TurnsTotal, CodexMetricCategory.Performance, "turns", CodexMetricKind.Counter, "turn/start and review/start requests the module sent",
            "Turns (turn/start and review/start) the module started since the collector started: what requests_total counted before it counted model requests.", isSeedPoint: false),
        new(TurnDuration, CodexMetricCategory.Performance, "ms", CodexMetricKind.Gauge, "turn/completed turn.durationMs",
            "The whole turn as the runtime measured it, its model requests plus the tools they called.", isSeedPoint: false),
        new(TurnStartLatency, CodexMetricCategory.Performance, "ms", CodexMetricKind.Gauge, "turn/start request → turn/started notification",
            "Client clock: from sending turn/start to receiving the runtime's turn/started.", isSeedPoint: false),
        new(ThroughputTurnsPerSec, CodexMetricCategory.Performance, "turns/s", CodexMetricKind.Gauge, "turn/completed",
            "Turns completed in the last 60 s ÷ the seconds of that window observed since the collector's first turn (at least 1 s), at each turn's end.", isSeedPoint: false),
        new(RuntimeAvailability, CodexMetricCategory.SystemHealth, "%", CodexMetricKind.Gauge, "runtime exits observed",
            "Time a runtime process was running ÷ time observed since the first runtime attached × 100; a runtime that exits on its own is down until the next one starts.", isSeedPoint: false),
        new(MemoryUtilization, CodexMetricCategory.SystemHealth, "%", CodexMetricKind.Gauge, "the runtime process; the memory available to .NET",
            "memory_usage ÷ the memory available to .NET on the machine (GC.GetGCMemoryInfo().TotalAvailableMemoryBytes) × 100.", isSeedPoint: false),
        new(ContextWindowTokens, CodexMetricCategory.TokenUsage, "tokens", CodexMetricKind.Gauge, TokenUsageSignal,
            "tokenUsage.modelContextWindow: the model's context window, as the runtime reports it with each token report (tokens_limit under its own name).", isSeedPoint: false),
        new(ContextWindowRemaining, CodexMetricCategory.TokenUsage, "tokens", CodexMetricKind.Gauge, TokenUsageSignal,
            "modelContextWindow − tokenUsage.last.totalTokens: the room left in the context window after the last model request (tokens_remaining under its own name).", isSeedPoint: false),
    };

    private static readonly Dictionary<string, CodexMetricDefinition> ByName = Definitions.ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every metric CodexPS records: the seed's 42 first, then its own details.</summary>
    public static IReadOnlyList<CodexMetricDefinition> All => Definitions;

    /// <summary>The seed's 42 data points.</summary>
    public static IReadOnlyList<CodexMetricDefinition> SeedPoints { get; } = Definitions.Where(d => d.IsSeedPoint).ToArray();

    /// <summary>The definition of the metric with this name (case-insensitive); null when CodexPS has no such metric.</summary>
    public static CodexMetricDefinition? Find(string name) => ByName.TryGetValue(name, out var definition) ? definition : null;

    internal static CodexMetricDefinition Get(string name) => ByName[name];
}
