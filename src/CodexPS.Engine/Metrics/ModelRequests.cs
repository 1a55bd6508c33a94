namespace CodexPS.Engine.Metrics;

/// <summary>Which runtime errors are model requests that failed, and whether the endpoint was available for them.</summary>
internal static class ModelRequests
{
    /// <summary>
    /// The outcome of the model request an error ended; null when the error is not about a model request (a sandbox
    /// failure, a budget, denied approvals, a runtime that exited) or names no cause.
    /// </summary>
    public static ModelRequestOutcome? Classify(string? codexErrorInfo, int? httpStatusCode) => codexErrorInfo switch
    {
        "internalServerError" or "serverOverloaded" or "flexUnavailable" or "policyCapacityUnavailable" or "other" => ModelRequestOutcome.Failed,

        // The connection and stream failures carry the endpoint's status when it answered one: a 4xx is a refusal.
        "httpConnectionFailed" or "responseStreamConnectionFailed" or "responseStreamDisconnected" or "responseTooManyFailedAttempts" =>
            httpStatusCode is >= 400 and < 500 ? ModelRequestOutcome.Refused : ModelRequestOutcome.Failed,

        "usageLimitExceeded" or "rateLimitExceeded" or "contextWindowExceeded" or "badRequest" or "unauthorized" or "modelNotFound"
            or "cyberPolicy" or "misalignmentPolicyViolation" => ModelRequestOutcome.Refused,
        _ => null,
    };
}
