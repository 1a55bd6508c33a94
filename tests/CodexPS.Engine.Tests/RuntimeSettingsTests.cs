using System.Collections;
using CodexPS.Engine.Mock;
using CodexPS.Engine.Runtime;

namespace CodexPS.Engine.Tests;

/// <summary>How Connect-Codex's settings become the options a runtime starts with, and when two settings are one runtime.</summary>
public sealed class RuntimeSettingsTests
{
    private static readonly string Home = Path.Combine(Path.GetTempPath(), "codexps-settings-home");

    [Fact]
    public void ALocalRuntimeWithoutAPinnedHomeIsNeverMapped()
    {
        var settings = new CodexRuntimeSettings { BaseUrl = new Uri("http://127.0.0.1:1/v1") };

        Assert.True(settings.NeedsCodexHome);
        Assert.Throws<InvalidOperationException>(() => settings.ToClientOptions());
    }

    [Fact]
    public void ARemoteRuntimeNeedsNoLocalHome()
    {
        var settings = new CodexRuntimeSettings { Uri = new Uri("ws://127.0.0.1:1") };

        Assert.False(settings.NeedsCodexHome);
        Assert.Null(settings.ToClientOptions().CodexHome);
    }

    [Fact]
    public void TheDefaultHomeIsTheVariableElseDotCodexUnderTheProfile()
    {
        var profile = Path.Combine(Path.GetTempPath(), "someone");
        Assert.Equal(Path.Combine(profile, ".codex"), CodexRuntimeSettings.DefaultCodexHome(null, profile));
        Assert.Equal(Path.Combine(profile, ".codex"), CodexRuntimeSettings.DefaultCodexHome(string.Empty, profile));
        Assert.Equal(Path.GetFullPath(Home), CodexRuntimeSettings.DefaultCodexHome(Home, profile));
    }

    [Fact]
    public async Task AMockBecomesTheProviderAndThePinnedHomeIsKept()
    {
        await using var mock = MockModelServer.Start();
        var settings = new CodexRuntimeSettings { MockProvider = mock, Name = "tenant" }.WithCodexHome(Home);

        var options = settings.ToClientOptions();

        Assert.Equal(Path.GetFullPath(Home), options.CodexHome);
        Assert.Equal("codexps_mock", options.ModelProvider?.Id);
        Assert.Equal(mock.BaseUrl, options.ModelProvider?.BaseUrl);
        Assert.Equal("tenant", options.Name);
    }

    [Fact]
    public void ABaseUrlBecomesACustomProviderWithItsKeyVariableAndModel()
    {
        var settings = new CodexRuntimeSettings
        {
            BaseUrl = new Uri("http://localhost:11434/v1/"),
            ProviderName = "Local",
            ApiKeyEnvironmentVariable = "MY_KEY",
            Model = "local-llm:7b",
        }.WithCodexHome(Home);

        var provider = settings.ToClientOptions().ModelProvider;

        Assert.NotNull(provider);
        Assert.Equal("codexps_custom", provider.Id);
        Assert.Equal("Local", provider.Name);
        Assert.Equal("http://localhost:11434/v1", provider.BaseUrl);
        Assert.Equal("MY_KEY", provider.EnvKey);
        Assert.Equal("local-llm:7b", provider.DefaultModel);
    }

    [Fact]
    public void AnApiKeyVariableAloneMeansOpenAIWithThatVariable()
    {
        var provider = new CodexRuntimeSettings { ApiKeyEnvironmentVariable = "OPENAI_KEY" }.WithCodexHome(Home).ToClientOptions().ModelProvider;

        Assert.NotNull(provider);
        Assert.Equal("codexps_openai", provider.Id);
        Assert.Equal("OPENAI_KEY", provider.EnvKey);
    }

    [Fact]
    public void AModelWithoutAProviderGoesIntoTheConfigBesideTheCallersKeys()
    {
        var given = new Hashtable { ["model_reasoning_effort"] = "high" };
        var options = new CodexRuntimeSettings { Model = "gpt-5.5", Config = given }.WithCodexHome(Home).ToClientOptions();

        Assert.Null(options.ModelProvider);
        Assert.NotNull(options.Config);
        Assert.Equal("gpt-5.5", options.Config["model"]);
        Assert.Equal("high", options.Config["model_reasoning_effort"]);
        Assert.False(given.ContainsKey("model"));
    }

    [Fact]
    public void TimeoutsAreMappedAndAZeroResponseTimeoutTurnsTheWatchdogOff()
    {
        var defaults = new CodexRuntimeSettings().WithCodexHome(Home).ToClientOptions();
        var off = new CodexRuntimeSettings { ResponseTimeout = TimeSpan.Zero, RequestTimeout = TimeSpan.FromSeconds(7) }.WithCodexHome(Home).ToClientOptions();

        Assert.Equal(new Conversations.CodexClientOptions().ResponseTimeout, defaults.ResponseTimeout);
        Assert.Null(off.ResponseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), off.RequestTimeout);
    }

    [Fact]
    public async Task EqualSettingsAreOneRuntimeAndAnyDifferenceIsAnother()
    {
        await using var mock = MockModelServer.Start();
        await using var other = MockModelServer.Start();
        CodexRuntimeSettings Make(MockModelServer m, string home, object effort) =>
            new CodexRuntimeSettings { MockProvider = m, Config = new Hashtable { ["model_reasoning_effort"] = effort } }.WithCodexHome(home);

        var first = Make(mock, Home, "low");

        Assert.True(first.IsSameRuntimeAs(Make(mock, Home, "low")));
        Assert.False(first.IsSameRuntimeAs(Make(mock, Home, "high")));
        Assert.False(first.IsSameRuntimeAs(Make(other, Home, "low")));
        Assert.False(first.IsSameRuntimeAs(Make(mock, Home + "-2", "low")));
        Assert.False(first.IsSameRuntimeAs(new CodexRuntimeSettings { MockProvider = mock, Name = "other", Config = first.Config }.WithCodexHome(Home)));
        Assert.False(first.IsSameRuntimeAs(null));
    }
}
