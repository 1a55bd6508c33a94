using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace CodexPS.Engine.Tests;

/// <summary>An npm registry of the test's own on loopback: fixed answers per path, or a connection that goes silent.</summary>
internal sealed class LocalRegistry : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentDictionary<string, byte[]> _bodies = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentBag<TcpClient> _clients = new();
    private readonly CancellationTokenSource _stop = new();

    public LocalRegistry()
    {
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _ = Task.Run(AcceptLoopAsync);
    }

    public Uri Url { get; }

    /// <summary>Paths answered with headers and then nothing at all, until the test ends.</summary>
    public ConcurrentDictionary<string, long> Silent { get; } = new(StringComparer.OrdinalIgnoreCase);

    public void Serve(string path, byte[] body) => _bodies[path] = body;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _clients.Add(client);
            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    private async Task AnswerAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var reader = new StreamReader(stream);
            var requestLine = await reader.ReadLineAsync() ?? string.Empty;
            while (!string.IsNullOrEmpty(await reader.ReadLineAsync()))
            {
            }

            var path = requestLine.Split(' ') is { Length: >= 2 } parts ? parts[1] : "/";
            if (Silent.TryGetValue(path, out var announced))
            {
                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {announced}\r\n\r\n"));
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return;
            }

            var found = _bodies.TryGetValue(path, out var body);
            var head = found ? $"HTTP/1.1 200 OK\r\nContent-Length: {body!.Length}\r\nConnection: close\r\n\r\n" : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
            if (found)
            {
                await stream.WriteAsync(body);
            }

            client.Dispose();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // The test ended or the client went away.
        }
    }
}
