using CodexPS.Engine.Config;

namespace CodexPS.Engine.Tests;

/// <summary>Set-CodexConfig's check of a value against the pinned runtime's own config schema.</summary>
public sealed class ConfigSchemaTests
{
    private static readonly string[] Efforts = { "low", "medium", "high", "xhigh" };
    private static readonly Lazy<CodexConfigSchema> Schema = new(() =>
    {
        var folder = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(folder, "native", "schema", "v2", "ConfigReadResponse.json")))
        {
            folder = Path.GetDirectoryName(folder) ?? throw new FileNotFoundException("native/schema/v2/ConfigReadResponse.json");
        }

        using var stream = File.OpenRead(Path.Combine(folder, "native", "schema", "v2", "ConfigReadResponse.json"));
        return CodexConfigSchema.Load(stream);
    });

    [Theory]
    [InlineData("model_reasoning_effort", "not-an-effort", "not a reasoning effort")]
    [InlineData("model_reasoning_summary", "bogus", "expected one of: auto, concise, detailed")]
    [InlineData("model_context_window", "lots", "whole number")]
    [InlineData("sandbox_workspace_write.network_access", "yes", "boolean")]
    [InlineData("approval_policy", "sometimes", "untrusted")]
    public void RefusesWhatTheSchemaDoesNotAllow(string key, object value, string reason)
    {
        var check = Schema.Value.Check(key, value, Efforts);

        Assert.True(check.IsKnown);
        Assert.False(check.IsValid);
        Assert.Contains(reason, check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TakesGoodValuesAndTables()
    {
        Assert.True(Schema.Value.Check("model_reasoning_effort", "high", Efforts).IsValid);
        Assert.True(Schema.Value.Check("model_context_window", 64000, Efforts).IsValid);
        Assert.True(Schema.Value.Check("model_reasoning_summary", null, Efforts).IsValid);
        Assert.True(Schema.Value.Check("approval_policy", "never", Efforts).IsValid);
        Assert.True(Schema.Value.Check("sandbox_workspace_write", new Dictionary<string, object?> { ["network_access"] = true, ["writable_roots"] = new object?[] { "/tmp" } }, Efforts).IsValid);
        Assert.False(Schema.Value.Check("sandbox_workspace_write", new Dictionary<string, object?> { ["network_access"] = "no" }, Efforts).IsValid);
        // Without the models' efforts, any non-empty effort passes (the schema alone says only "a non-empty string").
        Assert.True(Schema.Value.Check("model_reasoning_effort", "not-an-effort", null).IsValid);
    }

    [Fact]
    public void AKeyTheSchemaDoesNotDescribeIsUnknownNotWrong()
    {
        var check = Schema.Value.Check("mcp_servers.docs.command", "npx", Efforts);

        Assert.False(check.IsKnown);
        Assert.True(check.IsValid);
    }
}
