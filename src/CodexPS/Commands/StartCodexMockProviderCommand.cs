using System.Collections;
using System.Management.Automation;
using CodexPS.Engine;
using CodexPS.Engine.Cassettes;
using CodexPS.Engine.Mock;

namespace CodexPS.Commands;

/// <summary>Starts the scripted mock model endpoint on 127.0.0.1 (a free port).</summary>
[Cmdlet(VerbsLifecycle.Start, "CodexMockProvider", DefaultParameterSetName = ResponseSet)]
[OutputType(typeof(MockModelServer))]
public sealed class StartCodexMockProviderCommand : CodexCmdlet
{
    private const string ResponseSet = "Response";
    private const string PathSet = "Path";
    private const string CassetteSet = "Cassette";

    /// <summary>The script: one response per POST, as hashtables (Text/Deltas, Command, Patch, Status/Body, Stall, Disconnect, ...) or MockResponse objects.</summary>
    [Parameter(Position = 0, ParameterSetName = ResponseSet)]
    public object[]? Response { get; set; }

    /// <summary>A JSON file holding an array of responses with the same keys as -Response.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    public string Path { get; set; } = string.Empty;

    /// <summary>A cassette (Export-CodexCassette): each model request is answered with the next recorded answer, in order.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CassetteSet)]
    [ValidateNotNullOrEmpty]
    public string Cassette { get; set; } = string.Empty;

    /// <summary>Fails a model request (CodexCassetteMismatch) whose prompt or tool outputs differ from the recorded ones; without it a difference is a warning.</summary>
    [Parameter(ParameterSetName = CassetteSet)]
    public SwitchParameter Strict { get; set; }

    /// <summary>Once the script is used up, answers play this scenario (latency, sizes, rate-limit headers, injected errors).</summary>
    [Parameter(ParameterSetName = ResponseSet)]
    [Parameter(ParameterSetName = PathSet)]
    public MockScenario? Scenario { get; set; }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        Testing.CodexShouldOperators.RegisterIfPesterLoaded(this);
        if (ParameterSetName == CassetteSet)
        {
            StartCassette();
            return;
        }

        IReadOnlyList<MockResponse> script;
        try
        {
            script = ParameterSetName == PathSet ? MockResponse.FromJsonFile(SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path)) : Build(Response);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            var errorId = ex is IOException or UnauthorizedAccessException ? "CodexMockScriptUnreadable" : "CodexMockScriptInvalid";
            var category = ex is FileNotFoundException or DirectoryNotFoundException ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidArgument;
            ThrowTerminatingError(new ErrorRecord(ex, errorId, category, ParameterSetName == PathSet ? Path : Response));
            return;
        }

        var server = Listen(() => MockModelServer.Start(script));
        server.Scenario = Scenario;
        MockRegistry.Add(server);
        WriteVerbose($"Mock model endpoint listening at {server.BaseUrl} with {script.Count} scripted responses" + (Scenario is { } scenario ? $", then the {scenario} scenario." : "."));
        WriteObject(server);
    }

    /// <summary>Starts the endpoint; a port that cannot be listened on ends the command (CodexMockProviderStartFailed).</summary>
    private MockModelServer Listen(Func<MockModelServer> start)
    {
        try
        {
            return start();
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or InvalidOperationException)
        {
            ThrowTerminatingError(NewError("CodexMockProviderStartFailed", ErrorCategory.ResourceUnavailable, "127.0.0.1",
                $"The mock model endpoint could not listen on 127.0.0.1: {ex.Message}", ex));
            throw; // not reached: ThrowTerminatingError throws
        }
    }

    private void StartCassette()
    {
        var path = ToFileSystemPath(Cassette, out var problem);
        CodexCassette cassette;
        try
        {
            cassette = CodexCassette.Load(path ?? throw new CodexException("CodexCassetteNotFound", $"'{Cassette}' is not a file-system path: {problem!.Message}", problem));
        }
        catch (CodexException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, Category(ex.ErrorId), Cassette));
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(NewError("CodexCassetteInvalid", ErrorCategory.ReadError, Cassette, $"The cassette '{path}' cannot be read: {ex.Message}", ex));
            return;
        }

        var player = new CodexCassettePlayer(cassette, Strict);
        var server = Listen(() => MockModelServer.Start(player));

        MockRegistry.Add(server);
        WriteVerbose($"Mock model endpoint listening at {server.BaseUrl}, replaying {cassette.Requests.Count} recorded model requests from '{cassette.Path}'" + (Strict ? " (strict)." : "."));
        WriteObject(server);
    }

    private static List<MockResponse> Build(object[]? responses)
    {
        var list = new List<MockResponse>();
        foreach (var item in responses ?? Array.Empty<object>())
        {
            var value = item is PSObject pso ? pso.BaseObject : item;
            list.Add(value switch
            {
                MockResponse response => response,
                IDictionary table => MockResponse.FromDictionary(table),
                string text => MockResponse.FromText(text),
                _ => throw new ArgumentException($"A mock response must be a hashtable or a string, not {value?.GetType().Name ?? "null"}."),
            });
        }

        return list;
    }
}
