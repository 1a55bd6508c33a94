using System.Text;
using System.Text.Json;
using CodexPS.Engine.Diagnostics;
using CodexPS.Engine.Persistence;
using Xunit;

namespace CodexPS.Engine.Tests;

/// <summary>The doctor's verdicts that a machine cannot be made to produce on demand, and the rollout import's rules.</summary>
public sealed class EnvironmentDoctorTests
{
    /// <summary>Versions at, inside and outside the supported range (from native/package.json), with the verdict each gets.</summary>
    public static TheoryData<string?, CodexCheckStatus> RangeCases()
    {
        var pinned = Version.Parse(Runtime.CodexRuntimeLocator.PinnedVersion);
        var lowest = Version.Parse(Runtime.CodexRuntimeLocator.LowestSupportedVersion);
        return new TheoryData<string?, CodexCheckStatus>
        {
            { Runtime.CodexRuntimeLocator.PinnedVersion, CodexCheckStatus.Pass },
            { Runtime.CodexRuntimeLocator.LowestSupportedVersion, CodexCheckStatus.Pass },
            { $"{pinned.Major}.{pinned.Minor}.{pinned.Build + 1}-alpha.2", CodexCheckStatus.Pass },
            { lowest.Minor > 0 ? $"{lowest.Major}.{lowest.Minor - 1}.9" : "0.0.1", CodexCheckStatus.Warn },
            { $"{pinned.Major}.{pinned.Minor + 1}.0", CodexCheckStatus.Warn },
            { $"{pinned.Major + 1}.{pinned.Minor}.0", CodexCheckStatus.Warn },
            { null, CodexCheckStatus.Warn },
        };
    }

    [Theory]
    [MemberData(nameof(RangeCases))]
    public void RuntimeVersionOutsideTheSupportedRangeWarns(string? version, CodexCheckStatus expected)
    {
        var check = CodexEnvironmentDoctor.VersionCheck("/opt/codex", "explicit path", version);
        Assert.Equal("Runtime", check.Name);
        Assert.Equal(expected, check.Status);
        Assert.Equal(expected == CodexCheckStatus.Pass, check.Fix is null);
    }

    [Fact]
    public void LinuxSandboxVerdicts()
    {
        var ran = new CodexSandboxInspector.SandboxProbe(0, Ran: true, Escaped: false, string.Empty);
        Assert.Equal(CodexCheckStatus.Pass, CodexSandboxInspector.FromLinux("/usr/bin/bwrap", "/x/bwrap", ran).Status);
        Assert.Equal(CodexCheckStatus.Warn, CodexSandboxInspector.FromLinux(null, "/x/bwrap", ran).Status);

        var denied = CodexSandboxInspector.FromLinux("/usr/bin/bwrap", null, new CodexSandboxInspector.SandboxProbe(1, false, false, "bwrap: No permissions to create new namespace"));
        Assert.Equal(CodexCheckStatus.Fail, denied.Status);
        Assert.Contains("No permissions to create new namespace", denied.Found, StringComparison.Ordinal);
        Assert.Contains("user namespaces", denied.Fix, StringComparison.Ordinal);

        var hung = CodexSandboxInspector.FromLinux(null, "/x/bwrap", new CodexSandboxInspector.SandboxProbe(null, false, false, "no answer within 30 s"));
        Assert.Equal(CodexCheckStatus.Fail, hung.Status);
        Assert.Contains("did not finish", hung.Found, StringComparison.Ordinal);

        var escaped = CodexSandboxInspector.FromLinux("/usr/bin/bwrap", null, new CodexSandboxInspector.SandboxProbe(0, true, true, string.Empty));
        Assert.Equal(CodexCheckStatus.Fail, escaped.Status);
        Assert.Contains("does not confine", escaped.Found, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ready", CodexCheckStatus.Pass)]
    [InlineData("notConfigured", CodexCheckStatus.Fail)]
    [InlineData("updateRequired", CodexCheckStatus.Warn)]
    [InlineData("somethingNew", CodexCheckStatus.Warn)]
    public void WindowsSandboxReadinessVerdicts(string status, CodexCheckStatus expected)
    {
        var check = CodexSandboxInspector.FromWindowsReadiness(status);
        Assert.Equal("Sandbox", check.Name);
        Assert.Equal(expected, check.Status);
    }

    [Fact]
    public void McpServerVerdicts()
    {
        static CodexEnvironmentCheck Of(string json) => CodexEnvironmentDoctor.McpCheck(JsonDocument.Parse(json).RootElement);
        Assert.Equal(CodexCheckStatus.Fail, Of("""{"name":"a","runtimeStatus":null,"tools":{},"toolsError":"MCP startup failed: No such file or directory (os error 2)"}""").Status);
        Assert.Equal(CodexCheckStatus.Fail, Of("""{"name":"a","runtimeStatus":"failed","tools":{}}""").Status);
        Assert.Equal(CodexCheckStatus.Warn, Of("""{"name":"a","runtimeStatus":"authenticationRequired","tools":{}}""").Status);
        var good = Of("""{"name":"a","runtimeStatus":"connected","serverInfo":{"name":"srv","version":"1.2"},"tools":{"x":{},"y":{}}}""");
        Assert.Equal(CodexCheckStatus.Pass, good.Status);
        Assert.Contains("(srv 1.2) with 2 tool", good.Found, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigValuesAreCheckedAgainstTheSchema()
    {
        const string schema = """
        {"definitions":{
          "Effort":{"enum":["low","medium","high"],"type":"string"},
          "Config":{"type":"object","properties":{
            "model_reasoning_effort":{"anyOf":[{"$ref":"#/definitions/Effort"},{"type":"null"}]},
            "project_doc_max_bytes":{"type":["integer","null"]},
            "history":{"type":["object","null"],"properties":{"persistence":{"enum":["save-all","none"],"type":"string"}}}}}}}
        """;
        var root = JsonDocument.Parse(schema).RootElement;
        Assert.Empty(CodexConfigSchemaValidator.Validate(JsonDocument.Parse("""{"model_reasoning_effort":"high","project_doc_max_bytes":10,"history":{"persistence":"none"},"unknown":1}""").RootElement, root));
        var problems = CodexConfigSchemaValidator.Validate(JsonDocument.Parse("""{"model_reasoning_effort":"not-an-effort","project_doc_max_bytes":"ten","history":{"persistence":"sometimes"}}""").RootElement, root);
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("model_reasoning_effort:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("project_doc_max_bytes:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("history.persistence:", StringComparison.Ordinal));
    }

    [Fact]
    public void ARolloutIsImportedUnderTheDateOfItsNameWholeAndNeverOverAnother()
    {
        var home = Path.Combine(Path.GetTempPath(), "codexps-import-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            const string name = "rollout-2025-03-04T05-06-07-01a24a80-7955-78e3-a99a-864e725af20e.jsonl";
            using (var content = new MemoryStream(Encoding.UTF8.GetBytes("{\"type\":\"session_meta\"}\n")))
            {
                var written = CodexRolloutImport.Import(home, name, content, null);
                Assert.Equal(Path.Combine(home, "sessions", "2025", "03", "04", name), written);
                Assert.True(CodexRolloutImport.IsInside(home, written));
            }

            using (var again = new MemoryStream(Encoding.UTF8.GetBytes("other")))
            {
                var conflict = Assert.Throws<CodexException>(() => CodexRolloutImport.Import(home, name, again, null));
                Assert.Equal("CodexConversationImportConflict", conflict.ErrorId);
            }

            Assert.Equal("{\"type\":\"session_meta\"}\n", File.ReadAllText(Path.Combine(home, "sessions", "2025", "03", "04", name)));
            Assert.Single(Directory.GetFiles(Path.Combine(home, "sessions", "2025", "03", "04")));
            using var bad = new MemoryStream();
            Assert.Equal("CodexBundleInvalid", Assert.Throws<CodexException>(() => CodexRolloutImport.Import(home, "notes.jsonl", bad, null)).ErrorId);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
