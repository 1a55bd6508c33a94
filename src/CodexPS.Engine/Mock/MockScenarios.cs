using System.Globalization;

namespace CodexPS.Engine.Mock;

/// <summary>
/// What a scenario answers to its n-th request (1-based). Deterministic, so a test knows the shape it will
/// measure; the values describe the endpoint's behaviour, never a metric.
/// </summary>
public static class MockScenarios
{
    private static readonly double[] SpikePrimary = { 35, 58, 84, 96, 100, 22 };

    /// <summary>The scenario's answer to its n-th request (1-based); now anchors the rate-limit reset times.</summary>
    public static MockResponse Respond(MockScenario scenario, int n, DateTimeOffset now)
    {
        var primaryReset = now.AddHours(3).ToUnixTimeSeconds();
        var secondaryReset = now.AddDays(5).ToUnixTimeSeconds();
        switch (scenario)
        {
            case MockScenario.Normal:
                return new MockResponse
                {
                    Kind = MockResponseKind.Text,
                    Text = Sentence("Normal", n, 24),
                    Deltas = 12,
                    Delay = TimeSpan.FromMilliseconds(60),
                    DeltaDelay = TimeSpan.FromMilliseconds(8),
                    RateLimits = new MockRateLimits(Math.Min(60, 12 + (1.5 * n)), 300, primaryReset, Math.Min(40, 4 + (0.3 * n)), 10080, secondaryReset),
                };
            case MockScenario.HeavyUsage:
                return new MockResponse
                {
                    Kind = MockResponseKind.Text,
                    RepeatDelta = "token ",
                    Deltas = 600,
                    Delay = TimeSpan.FromMilliseconds(15),
                    RateLimits = new MockRateLimits(Math.Min(79, 30 + (6 * n)), 300, primaryReset, Math.Min(70, 10 + (2 * n)), 10080, secondaryReset),
                };
            case MockScenario.RateLimitSpike:
                var used = SpikePrimary[(n - 1) % SpikePrimary.Length];
                var limits = new MockRateLimits(used, 300, primaryReset, Math.Min(90, 40 + (3 * n)), 10080, secondaryReset);
                if (used >= 100)
                {
                    return new MockResponse { Kind = MockResponseKind.HttpError, StatusCode = 429, RateLimits = limits };
                }

                return new MockResponse
                {
                    Kind = MockResponseKind.Text,
                    Text = Sentence("Rate-limit spike", n, 16),
                    Deltas = 8,
                    Delay = TimeSpan.FromMilliseconds(30),
                    DeltaDelay = TimeSpan.FromMilliseconds(5),
                    RateLimits = limits,
                };
            case MockScenario.Quiet:
                return new MockResponse
                {
                    Kind = MockResponseKind.Text,
                    Text = Sentence("Quiet", n, 4),
                    Deltas = 3,
                    Delay = TimeSpan.FromMilliseconds(400),
                    DeltaDelay = TimeSpan.FromMilliseconds(250),
                    RateLimits = new MockRateLimits(2, 300, primaryReset, 1, 10080, secondaryReset),
                };
            case MockScenario.ErrorProne:
                var quota = new MockRateLimits(Math.Min(70, 20 + n), 300, primaryReset, 15, 10080, secondaryReset);
                return ((n - 1) % 6) switch
                {
                    1 => new MockResponse { Kind = MockResponseKind.HttpError, StatusCode = 500, Delay = TimeSpan.FromMilliseconds(150), RateLimits = quota },
                    3 => new MockResponse { Kind = MockResponseKind.CloseStream, Text = "Partial answer, then the stream drops", Delay = TimeSpan.FromMilliseconds(100) },
                    4 => new MockResponse { Kind = MockResponseKind.HttpError, StatusCode = 503, Delay = TimeSpan.FromMilliseconds(250), RateLimits = quota },
                    _ => new MockResponse
                    {
                        Kind = MockResponseKind.Text,
                        Text = Sentence("Error-prone", n, 12),
                        Deltas = 6,
                        Delay = TimeSpan.FromMilliseconds(200),
                        DeltaDelay = TimeSpan.FromMilliseconds(20),
                        RateLimits = quota,
                    },
                };
            default:
                throw new ArgumentOutOfRangeException(nameof(scenario), scenario, null);
        }
    }

    private static string Sentence(string scenario, int n, int words)
    {
        var text = string.Join(' ', Enumerable.Range(1, words).Select(i => "word" + i.ToString(CultureInfo.InvariantCulture)));
        return $"{scenario} answer {n.ToString(CultureInfo.InvariantCulture)} from the CodexPS mock: {text}.";
    }
}
