using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CodexPS.Engine.Conversations;

namespace CodexPS.Engine.Mock;

/// <summary>
/// A scripted OpenAI Responses endpoint on 127.0.0.1: each POST /v1/responses takes the next scripted
/// response and streams it in the real SSE format. The only stand-in CodexPS uses anywhere.
/// </summary>
public sealed partial class MockModelServer : IAsyncDisposable
{
    /// <summary>A model slug from the runtime's bundled catalogue, so the runtime offers its full tool set.</summary>
    public const string DefaultModel = "gpt-5.5";

    private readonly TcpListener _listener;
    private readonly ConcurrentQueue<MockResponse> _script = new();
    private readonly ConcurrentQueue<MockRequest> _requests = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly WarningQueue _warnings = new(200);
    private int _responseCounter;
    private int _scenarioCounter;
    private int _responderCounter;

    private MockModelServer(IEnumerable<MockResponse>? script, IMockResponder? responder = null)
    {
        Responder = responder;
        foreach (var response in script ?? Array.Empty<MockResponse>())
        {
            _script.Enqueue(response);
        }

        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The loopback port the server listens on, chosen by the OS so parallel tests never collide.</summary>
    public int Port { get; }

    /// <summary>The base URL a provider points at (ends in /v1, as the Responses API expects).</summary>
    public string BaseUrl => $"http://127.0.0.1:{Port}/v1";

    /// <summary>Every request received so far, oldest first.</summary>
    public IReadOnlyList<MockRequest> Requests => _requests.ToArray();

    /// <summary>Forgets the requests received so far (each holds its whole body: a long run would otherwise keep them all).</summary>
    public void ClearRequests() => _requests.Clear();

    /// <summary>Scripted responses not yet used.</summary>
    public int Remaining => _script.Count;

    /// <summary>What a POST gets once the script is used up.</summary>
    public MockResponse DefaultResponse { get; set; } = MockResponse.FromText("This is the CodexPS mock model. Its script has no more responses.", 4);

    /// <summary>When set, answers once the script is used up come from this scenario instead of DefaultResponse.</summary>
    public MockScenario? Scenario { get; set; }

    /// <summary>The provider that points a runtime at this server.</summary>
    public CodexModelProvider Provider => new("codexps_mock", "CodexPS mock", BaseUrl) { DefaultModel = DefaultModel, MaxRetries = 0 };

    /// <summary>False once the server is disposed; a stopped mock answers nothing.</summary>
    public bool IsRunning => !_stop.IsCancellationRequested;

    /// <summary>Starts listening at once with <paramref name="script"/> as the first answers, in order.</summary>
    public static MockModelServer Start(IEnumerable<MockResponse>? script = null) => new(script);

    /// <summary>Starts listening at once; every model request is answered by <paramref name="responder"/> (a cassette's player), never by a script.</summary>
    public static MockModelServer Start(IMockResponder responder)
    {
        ArgumentNullException.ThrowIfNull(responder);
        return new MockModelServer(null, responder);
    }

    /// <summary>What answers the model requests instead of the script (Start-CodexMockProvider -Cassette); null for a scripted mock.</summary>
    public IMockResponder? Responder { get; }

    /// <summary>Problems the mock saw (a cassette's divergences without -Strict) that nobody has read yet.</summary>
    public bool HasWarnings => !_warnings.IsEmpty;

    /// <summary>Takes the problems reported since the last call, oldest first; CodexPS commands write them as warnings.</summary>
    public IReadOnlyList<string> DrainWarnings() => _warnings.Drain();

    private void AddWarning(string message) => _warnings.Add(message);

    /// <summary>Appends answers to the script; each POST takes the next one.</summary>
    public void Enqueue(params MockResponse[] responses)
    {
        foreach (var response in responses)
        {
            _script.Enqueue(response);
        }
    }

    /// <summary>Lets every stalled response finish.</summary>
    public void ReleaseStalls()
    {
        Interlocked.Exchange(ref _release, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        ReleaseStalls();
        try
        {
            await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Stopping; connections still open end with the process or on their own.
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            client.NoDelay = true;
            var stream = client.GetStream();
            try
            {
                var request = await MockHttp.ReadRequestAsync(stream).ConfigureAwait(false);
                if (request is null)
                {
                    return;
                }

                _requests.Enqueue(request);
                if (request.Method == "POST" && request.Path.TrimEnd('/').EndsWith("/responses", StringComparison.Ordinal))
                {
                    var response = Responder is { } responder ? responder.Respond(request, Interlocked.Increment(ref _responderCounter), AddWarning)
                        : _script.TryDequeue(out var next) ? next
                        : Scenario is { } scenario ? MockScenarios.Respond(scenario, Interlocked.Increment(ref _scenarioCounter), DateTimeOffset.Now)
                        : DefaultResponse;
                    await RespondAsync(stream, request, response).ConfigureAwait(false);
                }
                else
                {
                    await MockHttp.WriteStatusAsync(stream, 404, "{\"error\":{\"message\":\"not found\",\"type\":\"invalid_request_error\"}}", null).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The client went away; that is its right.
            }
        }
    }

    private async Task WaitForReleaseOrHangUpAsync(NetworkStream stream)
    {
        var release = Volatile.Read(ref _release).Task;
        var scratch = new byte[256];
        var hangUp = Task.Run(async () =>
        {
            while (await stream.ReadAsync(scratch).ConfigureAwait(false) > 0)
            {
                // Drain whatever the client sends until it closes.
            }
        });
        await Task.WhenAny(release, hangUp, Task.Delay(Timeout.Infinite, _stop.Token)).ConfigureAwait(false);
    }

}
