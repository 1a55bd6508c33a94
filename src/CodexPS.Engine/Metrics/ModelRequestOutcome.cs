namespace CodexPS.Engine.Metrics;

/// <summary>How a model request the runtime made ended, as far as its notifications tell.</summary>
internal enum ModelRequestOutcome
{
    /// <summary>The endpoint answered and the runtime reported the request's tokens.</summary>
    Completed,

    /// <summary>The endpoint answered with a refusal (quota, rate limit, a bad or unauthorized request, policy): it was available.</summary>
    Refused,

    /// <summary>No usable answer: a server error, a failed connection or a broken stream.</summary>
    Failed,
}
