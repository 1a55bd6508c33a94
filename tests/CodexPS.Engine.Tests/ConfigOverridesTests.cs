using System.Collections;
using CodexPS.Engine.Runtime;

namespace CodexPS.Engine.Tests;

/// <summary>How -Config becomes codex's -c key=value pairs.</summary>
public sealed class ConfigOverridesTests
{
    [Fact]
    public void NestedTablesAndDottedKeysBecomeTheSameDottedPairs()
    {
        var nested = new Hashtable { ["features"] = new Hashtable { ["plugins"] = false }, ["model"] = "gpt-5.5" };
        var dotted = new Hashtable { ["features.plugins"] = false, ["model"] = "gpt-5.5" };

        var fromNested = CodexConfigOverrides.Flatten(nested).OrderBy(p => p.Key).ToList();
        var fromDotted = CodexConfigOverrides.Flatten(dotted).OrderBy(p => p.Key).ToList();

        Assert.Equal(fromDotted, fromNested);
        Assert.Contains(new KeyValuePair<string, string>("features.plugins", "false"), fromNested);
        Assert.Contains(new KeyValuePair<string, string>("model", "\"gpt-5.5\""), fromNested);
    }

    [Fact]
    public void ValuesAreWrittenAsToml()
    {
        Assert.Equal("42", CodexConfigOverrides.ToToml(42));
        Assert.Equal("1.5", CodexConfigOverrides.ToToml(1.5));
        Assert.Equal("true", CodexConfigOverrides.ToToml(true));
        Assert.Equal("\"say \\\"hi\\\"\\n\"", CodexConfigOverrides.ToToml("say \"hi\"\n"));
        Assert.Equal("[\"a\", 2]", CodexConfigOverrides.ToToml(new object[] { "a", 2 }));
        Assert.Equal("{ k = \"v\" }", CodexConfigOverrides.ToToml(new Hashtable { ["k"] = "v" }));
    }

    [Fact]
    public void NullAndEmptyKeysAreRefused()
    {
        Assert.Throws<ArgumentException>(() => CodexConfigOverrides.Flatten(new Hashtable { ["model"] = null }));
        Assert.Throws<ArgumentException>(() => CodexConfigOverrides.Flatten(new Hashtable { [" "] = 1 }));
    }
}
