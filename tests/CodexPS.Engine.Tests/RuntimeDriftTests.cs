using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Diagnostics;
using CodexPS.Engine.Runtime;
using CodexPS.Engine.Runtime.Drift;

namespace CodexPS.Engine.Tests;

/// <summary>
/// The drift check for a runtime outside the supported range: the comparison of two schemas as a pure function, the
/// per-binary cache, the fallback when a runtime cannot print its schema, and the verdicts built on them.
/// </summary>
public sealed class RuntimeDriftTests : IDisposable
{
    private static readonly IReadOnlySet<string> Used = new HashSet<string>(StringComparer.Ordinal) { "thread/start", "turn/completed" };
    private readonly string _root = TestRuntime.NewTempDirectory("codexps-drift");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>
    /// A small bundle in generate-json-schema's layout: thread/start (used) and model/list (not used) as client requests,
    /// turn/completed (used) as a notification, and their types in a v2 section.
    /// </summary>
    private static JsonObject Bundle() => JsonNode.Parse("""
        {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "definitions": {
            "ClientRequest": { "oneOf": [
              { "properties": { "id": {"$ref": "#/definitions/v2/RequestId"}, "method": {"enum": ["thread/start"], "type": "string"}, "params": {"$ref": "#/definitions/v2/ThreadStartParams"} }, "required": ["id", "method", "params"], "type": "object" },
              { "properties": { "id": {"$ref": "#/definitions/v2/RequestId"}, "method": {"enum": ["model/list"], "type": "string"}, "params": {"$ref": "#/definitions/v2/ModelListParams"} }, "required": ["id", "method", "params"], "type": "object" }
            ] },
            "ServerNotification": { "oneOf": [
              { "properties": { "method": {"enum": ["turn/completed"], "type": "string"}, "params": {"$ref": "#/definitions/v2/TurnCompletedNotification"} }, "required": ["method", "params"], "type": "object" }
            ] },
            "v2": {
              "RequestId": { "type": ["string", "integer"] },
              "ThreadStartParams": { "properties": { "cwd": {"type": "string", "description": "The folder."}, "model": {"type": ["string", "null"]} }, "required": ["cwd"], "type": "object" },
              "ThreadStartResponse": { "properties": { "thread": {"$ref": "#/definitions/v2/Thread"} }, "required": ["thread"], "type": "object" },
              "Thread": { "properties": { "id": {"type": "string"}, "path": {"type": ["string", "null"]} }, "required": ["id"], "type": "object" },
              "TurnCompletedNotification": { "properties": { "turn": {"$ref": "#/definitions/v2/Turn"} }, "required": ["turn"], "type": "object" },
              "Turn": { "properties": { "id": {"type": "string"}, "status": {"$ref": "#/definitions/v2/TurnStatus"} }, "required": ["id", "status"], "type": "object" },
              "TurnStatus": { "enum": ["completed", "interrupted", "failed"], "type": "string" },
              "ModelListParams": { "properties": { "cursor": {"type": ["string", "null"]} }, "type": "object" },
              "ModelListResponse": { "properties": { "data": {"type": "array", "items": {"$ref": "#/definitions/v2/Model"}} }, "type": "object" },
              "Model": { "properties": { "slug": {"type": "string"} }, "type": "object" }
            }
          },
          "title": "CodexAppServerProtocol",
          "type": "object"
        }
        """)!.AsObject();

    private static CodexProtocolDrift Compare(JsonObject pinned, JsonObject running)
    {
        using var a = JsonDocument.Parse(pinned.ToJsonString());
        using var b = JsonDocument.Parse(running.ToJsonString());
        return CodexProtocolSurface.Compare(a.RootElement, b.RootElement, Used);
    }

    private static JsonObject Types(JsonObject bundle) => bundle["definitions"]!["v2"]!.AsObject();

    [Fact]
    public void TheSameSchemaHasNoDrift()
    {
        var drift = Compare(Bundle(), Bundle());
        Assert.False(drift.HasDrift);
        Assert.Equal("nothing CodexPS uses differs", drift.Summary());
    }

    [Fact]
    public void ReorderedKeysAndRewordedDescriptionsAreNoDrift()
    {
        var running = Bundle();
        var thread = Types(running)["ThreadStartParams"]!.AsObject();
        thread["properties"]!["cwd"]!["description"] = "Another wording.";
        Types(running)["Turn"]!["required"] = new JsonArray("status", "id");
        Types(running)["TurnStatus"]!["enum"] = new JsonArray("failed", "completed", "interrupted");
        Types(running)["RequestId"]!["type"] = new JsonArray("integer", "string");

        Assert.False(Compare(Bundle(), running).HasDrift);
    }

    [Fact]
    public void AFieldRemovedFromAUsedTypeIsDriftNamingIt()
    {
        var running = Bundle();
        Types(running)["Thread"]!["properties"]!.AsObject().Remove("path");

        var drift = Compare(Bundle(), running);

        Assert.True(drift.HasDrift);
        var change = Assert.Single(drift.TypesChanged);
        Assert.Equal("Thread", change.Type);
        Assert.Equal("changed", change.Change);
        Assert.Equal(new[] { "- path" }, change.Fields);
        Assert.Contains("Thread (- path)", drift.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void AFieldWhoseTypeChangedOrBecameRequiredIsDrift()
    {
        var running = Bundle();
        Types(running)["ThreadStartParams"]!["properties"]!["model"] = JsonNode.Parse("""{"type": "integer"}""");
        Types(running)["Thread"]!["required"] = new JsonArray("id", "path");
        Types(running)["TurnStatus"]!["enum"] = new JsonArray("completed", "failed");

        var drift = Compare(Bundle(), running);

        Assert.Equal(new[] { "Thread", "ThreadStartParams", "TurnStatus" }, drift.TypesChanged.Select(t => t.Type));
        Assert.Equal(new[] { "~ path" }, drift.TypesChanged.Single(t => t.Type == "Thread").Fields);
        Assert.Equal(new[] { "~ model" }, drift.TypesChanged.Single(t => t.Type == "ThreadStartParams").Fields);
        Assert.Equal(new[] { "~ (enum)" }, drift.TypesChanged.Single(t => t.Type == "TurnStatus").Fields);
    }

    [Fact]
    public void AChangeInATypeNoUsedMethodReachesIsNoDrift()
    {
        var running = Bundle();
        Types(running)["Model"]!["properties"]!.AsObject().Remove("slug");
        Types(running)["ModelListParams"]!["properties"]!["limit"] = JsonNode.Parse("""{"type": "integer"}""");

        Assert.False(Compare(Bundle(), running).HasDrift);
    }

    [Fact]
    public void AUsedMethodRemovedIsDrift_AnUnusedOneIsNot()
    {
        var running = Bundle();
        var requests = running["definitions"]!["ClientRequest"]!["oneOf"]!.AsArray();
        var modelList = requests[1]!;
        requests.Remove(modelList);
        Assert.False(Compare(Bundle(), running).HasDrift);

        requests.RemoveAt(0);
        var drift = Compare(Bundle(), running);
        Assert.Equal(new[] { "thread/start" }, drift.MethodsRemoved);
        Assert.Contains("method gone: thread/start", drift.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void AUsedNotificationAddedByTheRuntimeIsDrift()
    {
        var pinned = Bundle();
        pinned["definitions"]!["ServerNotification"]!["oneOf"]!.AsArray().Clear();

        var drift = Compare(pinned, Bundle());

        Assert.Equal(new[] { "turn/completed (notification)" }, drift.MethodsAdded);
    }

    [Fact]
    public void TheEmbeddedSurfaceIsThePinnedSchemaAndTheNamesTheSourceSpells()
    {
        var committed = Path.Combine(TestRuntime.RepoRoot, "native", "schema", CodexProtocolSurface.BundleFileName);
        using var document = JsonDocument.Parse(File.ReadAllText(committed), CodexProtocolSurface.BundleOptions);

        Assert.False(CodexProtocolSurface.CompareWithPinned(document.RootElement).HasDrift);
        Assert.Contains("thread/start", CodexProtocolSurface.UsedNames);
        Assert.Contains("turn/interrupt", CodexProtocolSurface.UsedNames);
        Assert.Matches("^[0-9A-F]{16}$", CodexProtocolSurface.Fingerprint);
    }

    [Fact]
    public async Task TheCacheKeepsAVerdictPerBinary_SoTheSchemaIsGeneratedOnce()
    {
        var binary = Path.Combine(_root, "codex");
        File.WriteAllText(binary, "one");
        var generated = 0;
        var check = new CodexRuntimeDriftCheck(Path.Combine(_root, "cache.json"), (_, _, _) =>
        {
            generated++;
            var running = Bundle();
            Types(running)["Thread"]!["properties"]!.AsObject().Remove("path");
            return Task.FromResult(CodexRuntimeSchema.Of(JsonDocument.Parse(running.ToJsonString())));
        }, bundle => CodexProtocolSurface.Compare(JsonDocument.Parse(Bundle().ToJsonString()).RootElement, bundle, Used));

        var first = await check.CheckAsync(binary, "0.1.0", CancellationToken.None);
        var second = await check.CheckAsync(binary, "0.1.0", CancellationToken.None);

        Assert.Equal(1, generated);
        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(CodexRuntimeDriftStatus.Drift, second.Status);
        Assert.Equal(first.Drift!.Summary(), second.Drift!.Summary());
        Assert.Contains("Thread (- path)", second.WarningFor(binary), StringComparison.Ordinal);

        // Another version of the same file, or a changed file, is another binary.
        await check.CheckAsync(binary, "0.1.1", CancellationToken.None);
        Assert.Equal(2, generated);
        File.WriteAllText(binary, "a longer binary");
        await check.CheckAsync(binary, "0.1.0", CancellationToken.None);
        Assert.Equal(3, generated);
    }

    [Fact]
    public async Task NoDriftMeansNoWarning()
    {
        var binary = Path.Combine(_root, "codex");
        File.WriteAllText(binary, "same");
        var check = new CodexRuntimeDriftCheck(Path.Combine(_root, "cache.json"),
            (_, _, _) => Task.FromResult(CodexRuntimeSchema.Of(JsonDocument.Parse(Bundle().ToJsonString()))),
            bundle => CodexProtocolSurface.Compare(JsonDocument.Parse(Bundle().ToJsonString()).RootElement, bundle, Used));

        var verdict = await check.CheckAsync(binary, "0.1.0", CancellationToken.None);

        Assert.Equal(CodexRuntimeDriftStatus.NoDrift, verdict.Status);
        Assert.Null(verdict.WarningFor(binary));
        Assert.Contains("Nothing CodexPS uses differs", verdict.VerboseFor(binary), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARuntimeThatCannotPrintItsSchemaFallsBackToTheRangeWarning_TimeOutsAreTriedAgain()
    {
        var binary = Path.Combine(_root, "codex");
        File.WriteAllText(binary, "old");
        var generated = 0;
        var transient = false;
        var check = new CodexRuntimeDriftCheck(Path.Combine(_root, "cache.json"), (_, _, _) =>
        {
            generated++;
            return Task.FromResult(CodexRuntimeSchema.Failed(transient ? "no schema within 1 s" : "unrecognized subcommand", transient));
        });

        var verdict = await check.CheckAsync(binary, "0.1.0", CancellationToken.None);
        var warning = verdict.WarningFor(binary);

        Assert.Equal(CodexRuntimeDriftStatus.NotChecked, verdict.Status);
        Assert.NotNull(warning);
        Assert.Contains("0.1.0", warning, StringComparison.Ordinal);
        Assert.Contains($"CodexPS supports {CodexRuntimeLocator.SupportedRange}", warning, StringComparison.Ordinal);
        Assert.Contains("could not be checked (unrecognized subcommand)", warning, StringComparison.Ordinal);
        Assert.Contains("Install-CodexRuntime", warning, StringComparison.Ordinal);
        Assert.True((await check.CheckAsync(binary, "0.1.0", CancellationToken.None)).FromCache);
        Assert.Equal(1, generated);

        transient = true;
        await check.CheckAsync(binary, "0.2.0", CancellationToken.None);
        await check.CheckAsync(binary, "0.2.0", CancellationToken.None);
        Assert.Equal(3, generated);
    }

    [Fact]
    public async Task TheGeneratorReportsABinaryWithoutTheCommandAndOneThatHangs()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // The fake runtimes are shell scripts.
        }

        var old = Script("old", "echo \"error: unrecognized subcommand '$2'\" >&2\nexit 2\n");
        var failed = await CodexRuntimeSchemaGenerator.GenerateAsync(old, TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Null(failed.Bundle);
        Assert.False(failed.IsTransient);
        Assert.Contains("exit code 2", failed.Failure, StringComparison.Ordinal);
        Assert.Contains("unrecognized subcommand 'generate-json-schema'", failed.Failure, StringComparison.Ordinal);

        var hung = Script("hung", "sleep 30\n");
        var timedOut = await CodexRuntimeSchemaGenerator.GenerateAsync(hung, TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Null(timedOut.Bundle);
        Assert.True(timedOut.IsTransient);
        Assert.Contains("within 1 s", timedOut.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePinnedRuntimePrintsASchemaWithNoDrift()
    {
        var binary = CodexRuntimeLocator.Locate(null, new[] { TestRuntime.RepoRoot }).Path;
        using var schema = await CodexRuntimeSchemaGenerator.GenerateAsync(binary, TimeSpan.FromSeconds(60), CancellationToken.None);

        Assert.Null(schema.Failure);
        Assert.False(CodexProtocolSurface.CompareWithPinned(schema.Bundle!.RootElement).HasDrift);
    }

    [Fact]
    public void TheDoctorWarnsOutsideTheRangeWithoutDrift_AndFailsWithDrift()
    {
        var lowest = Version.Parse(CodexRuntimeLocator.LowestSupportedVersion);
        var outside = lowest.Minor > 0 ? $"{lowest.Major}.{lowest.Minor - 1}.0" : "0.0.1";

        var none = CodexEnvironmentDoctor.VersionCheck("/opt/codex", "explicit path", outside,
            new CodexRuntimeDriftVerdict { Version = outside, Status = CodexRuntimeDriftStatus.NoDrift });
        Assert.Equal(CodexCheckStatus.Warn, none.Status);
        Assert.Contains("outside the supported range", none.Found, StringComparison.Ordinal);
        Assert.Contains("Nothing CodexPS uses differs", none.Found, StringComparison.Ordinal);

        var drift = new CodexProtocolDrift(new[] { "thread/rollback" }, Array.Empty<string>(), new[] { new CodexProtocolTypeChange("Thread", "changed", new[] { "- path" }) });
        var failed = CodexEnvironmentDoctor.VersionCheck("/opt/codex", "explicit path", outside,
            new CodexRuntimeDriftVerdict { Version = outside, Status = CodexRuntimeDriftStatus.Drift, Drift = drift });
        Assert.Equal(CodexCheckStatus.Fail, failed.Status);
        Assert.Contains("method gone: thread/rollback", failed.Found, StringComparison.Ordinal);
        Assert.Contains("Thread (- path)", failed.Found, StringComparison.Ordinal);
        Assert.Contains("Install-CodexRuntime", failed.Fix, StringComparison.Ordinal);

        var notChecked = CodexEnvironmentDoctor.VersionCheck("/opt/codex", "explicit path", outside,
            new CodexRuntimeDriftVerdict { Version = outside, Status = CodexRuntimeDriftStatus.NotChecked, Reason = "a time-out" });
        Assert.Equal(CodexCheckStatus.Warn, notChecked.Status);
        Assert.Contains("could not be checked (a time-out)", notChecked.Found, StringComparison.Ordinal);
    }

    private string Script(string name, string body)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body);
        if (OperatingSystem.IsWindows())
        {
            return path;
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
