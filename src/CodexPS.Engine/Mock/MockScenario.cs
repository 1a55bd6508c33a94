namespace CodexPS.Engine.Mock;

/// <summary>The seed's MockDataGenerator scenarios, played by the mock endpoint itself so real turns measure them.</summary>
public enum MockScenario
{
    /// <summary>Steady: moderate latency and answer size, rate-limit windows filling slowly.</summary>
    Normal,

    /// <summary>Large answers streamed fast, windows filling quickly (but staying below 80 %).</summary>
    HeavyUsage,

    /// <summary>The primary window jumps to 84, 96 and 100 % (answered with 429 usage_limit_reached), then resets.</summary>
    RateLimitSpike,

    /// <summary>Slow, short answers: few tokens per second, windows nearly empty.</summary>
    Quiet,

    /// <summary>Degraded: slow answers between HTTP 500 and 503 errors and a dropped stream, each followed by recovery.</summary>
    ErrorProne,
}
