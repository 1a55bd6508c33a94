using System.Collections;
using System.Diagnostics;
using System.Net.Http;
using CodexPS.Engine.Mock;

namespace CodexPS.Engine.Tests;

/// <summary>The mock endpoint's model latency (Delay, DelayMs): nothing of the answer arrives before it has passed.</summary>
public sealed class MockLatencyTests
{
    private static async Task<(TimeSpan FirstByte, string Body)> PostAsync(MockModelServer mock)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, mock.BaseUrl + "/responses")
        {
            Content = new StringContent("{\"model\":\"gpt-5.5\",\"input\":[]}", System.Text.Encoding.UTF8, "application/json"),
        };
        var stopwatch = Stopwatch.StartNew();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var firstByte = stopwatch.Elapsed;
        response.EnsureSuccessStatusCode();
        return (firstByte, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DelayHoldsBackTheFirstByteOfTheAnswer()
    {
        await using var mock = MockModelServer.Start(new[]
        {
            new MockResponse { Kind = MockResponseKind.Text, RepeatDelta = "x", Deltas = 3, Delay = TimeSpan.FromMilliseconds(400) },
            MockResponse.Repeated("x", 3),
        });

        var (delayed, body) = await PostAsync(mock);
        var (prompt, _) = await PostAsync(mock);

        // The first answer's headers waited for the latency; the whole stream still arrived.
        Assert.True(delayed >= TimeSpan.FromMilliseconds(380), $"the delayed answer's first byte came after {delayed.TotalMilliseconds} ms");
        Assert.Equal(3, body.Split("\"type\":\"response.output_text.delta\"").Length - 1);
        Assert.Contains("response.completed", body, StringComparison.Ordinal);

        // An answer without latency is not held back by it (generous: a loaded machine is slow, not 400 ms slower).
        Assert.True(prompt < delayed, $"the undelayed answer took {prompt.TotalMilliseconds} ms, the delayed one {delayed.TotalMilliseconds} ms");
    }

    [Fact]
    public void DelayMsInAScriptEntryIsTheLatency()
    {
        var response = MockResponse.FromDictionary(new Hashtable { ["Delta"] = "x", ["Deltas"] = 2000, ["DelayMs"] = 50 });

        Assert.Equal(TimeSpan.FromMilliseconds(50), response.Delay);
        Assert.Equal(2000, response.Deltas);
        Assert.Equal("x", response.RepeatDelta);
        Assert.Equal(TimeSpan.Zero, response.DeltaDelay);
    }
}
