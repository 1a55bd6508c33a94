using CodexPS.Engine.Runtime;

namespace CodexPS.Engine.Tests;

/// <summary>The supported runtime range: from native/package.json's lowestSupported to any patch of the pinned minor.</summary>
public sealed class SupportedRangeTests
{
    private static Version Pinned => Version.Parse(CodexRuntimeLocator.PinnedVersion);

    [Fact]
    public void ThePinAndTheLowestComeFromNativePackageJson()
    {
        var package = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(TestRuntime.RepoRoot, "native", "package.json"))).RootElement;
        Assert.Equal(package.GetProperty("dependencies").GetProperty("@openai/codex").GetString(), CodexRuntimeLocator.PinnedVersion);
        Assert.Equal(package.GetProperty("codexps").GetProperty("lowestSupported").GetString(), CodexRuntimeLocator.LowestSupportedVersion);
        Assert.Equal($"{CodexRuntimeLocator.LowestSupportedVersion} to {Pinned.Major}.{Pinned.Minor}.x", CodexRuntimeLocator.SupportedRange);
    }

    [Fact]
    public void BothEndsAndEveryPatchOfThePinnedMinorAreSupported()
    {
        Assert.True(CodexRuntimeLocator.IsSupported(CodexRuntimeLocator.PinnedVersion));
        Assert.True(CodexRuntimeLocator.IsSupported(CodexRuntimeLocator.LowestSupportedVersion));
        Assert.True(CodexRuntimeLocator.IsSupported($"{Pinned.Major}.{Pinned.Minor}.{Pinned.Build + 7}"));
        Assert.True(CodexRuntimeLocator.IsSupported($"{CodexRuntimeLocator.PinnedVersion}-alpha.3"));
    }

    [Fact]
    public void VersionsOutsideTheRangeOrUnreadableAreNot()
    {
        var lowest = Version.Parse(CodexRuntimeLocator.LowestSupportedVersion);
        Assert.False(CodexRuntimeLocator.IsSupported($"{Pinned.Major}.{Pinned.Minor + 1}.0"));
        Assert.False(CodexRuntimeLocator.IsSupported($"{Pinned.Major + 1}.0.0"));
        Assert.False(CodexRuntimeLocator.IsSupported(lowest.Minor > 0 ? $"{lowest.Major}.{lowest.Minor - 1}.9" : "0.0.1"));
        Assert.False(CodexRuntimeLocator.IsSupported("0.1.2"));
        Assert.False(CodexRuntimeLocator.IsSupported(null));
        Assert.False(CodexRuntimeLocator.IsSupported(""));
        Assert.False(CodexRuntimeLocator.IsSupported("not-a-version"));
        Assert.False(CodexRuntimeLocator.IsSupported("1.2"));
    }
}
