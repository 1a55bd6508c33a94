using CodexPS.Engine.Conversations;
using CodexPS.Engine.Mock;

namespace CodexPS.Engine.Tests;

/// <summary>Starts the real pinned runtime against a fresh mock endpoint and a throw-away CODEX_HOME.</summary>
internal sealed class TestRuntime : IAsyncDisposable
{
    private TestRuntime(MockModelServer mock, CodexClient client, string home, string workspace)
    {
        Mock = mock;
        Client = client;
        Home = home;
        Workspace = workspace;
    }

    public MockModelServer Mock { get; }

    public CodexClient Client { get; }

    public string Home { get; }

    public string Workspace { get; }

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CodexPS.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Run the tests inside the CodexPS checkout.");
        }
    }

    public static string NewTempDirectory(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), prefix + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    public static async Task<TestRuntime> StartAsync(params MockResponse[] script)
    {
        var mock = MockModelServer.Start(script);
        var home = NewTempDirectory("codexps-home");
        var workspace = NewTempDirectory("codexps-ws");
        var options = new CodexClientOptions
        {
            CodexHome = home,
            ModelProvider = mock.Provider,
            WorkingDirectory = workspace,
        };
        options.SearchRoots.Add(RepoRoot);
        var client = await CodexClient.StartAsync(options, CancellationToken.None);
        return new TestRuntime(mock, client, home, workspace);
    }

    public Task<CodexConversation> NewConversationAsync(CodexApprovalPolicy? policy = null, CodexSandbox? sandbox = null, CodexApprovalHandler? handler = null)
    {
        return Client.StartConversationAsync(new CodexConversationOptions
        {
            WorkingDirectory = Workspace,
            ApprovalPolicy = policy,
            Sandbox = sandbox,
            ApprovalHandler = handler,
        }, CancellationToken.None);
    }

    public static async Task<List<Protocol.CodexEvent>> CollectAsync(CodexTurn turn, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var events = new List<Protocol.CodexEvent>();
        await foreach (var evt in turn.ReadEventsAsync(cts.Token))
        {
            events.Add(evt);
        }

        return events;
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Mock.DisposeAsync();
        TryDelete(Home);
        TryDelete(Workspace);
    }

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
