using System.Diagnostics;
using CodexPS.Engine.Conversations;

namespace CodexPS.Engine.Tests;

/// <summary>The runtime's process life cycle: a runtime that dies at start-up, and one that is told to stop.</summary>
[Collection(RealRuntimeCollection.Name)]
public sealed class RuntimeProcessTests
{
    [Fact]
    public async Task ARuntimeThatExitsAtStartupFailsWithItsExitCodeAndStderr()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // The fake runtime is a shell script.
        }

        var dir = TestRuntime.NewTempDirectory("codexps-fake");
        try
        {
            // Ignores the app-server arguments, reads the initialize request, complains and exits with 3.
            var script = await FakeRuntimeAsync(dir, "read line\necho \"fake codex: refusing to serve (${#line} bytes read)\" >&2\nexit 3\n");

            var options = new CodexClientOptions
            {
                CodexPath = script,
                CodexHome = Path.Combine(dir, "home"),
                WorkingDirectory = dir,
                StartTimeout = TimeSpan.FromSeconds(10),
            };
            var stopwatch = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<CodexRuntimeExitedException>(() => CodexClient.StartAsync(options, CancellationToken.None));
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"Start-up failed only after {stopwatch.Elapsed}.");
            Assert.Equal(3, error.ExitCode);
            Assert.Contains("fake codex: refusing to serve", error.StderrTail, StringComparison.Ordinal);
            Assert.DoesNotContain("(0 bytes read)", error.StderrTail, StringComparison.Ordinal);
            Assert.Contains("exit code 3", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task ARuntimeOfAnotherVersionStartsWithAWarning()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // The fake runtime is a shell script.
        }

        var dir = TestRuntime.NewTempDirectory("codexps-fake");
        try
        {
            // Answers initialize (request id 1) as a runtime of another version would, then serves until stdin closes.
            var script = await FakeRuntimeAsync(dir, "read line\necho '{\"id\":1,\"result\":{\"userAgent\":\"codex_cli_rs/0.1.2 (fake)\"}}'\nwhile read line; do :; done\n");
            var options = new CodexClientOptions { CodexPath = script, CodexHome = Path.Combine(dir, "home"), WorkingDirectory = dir };

            await using var client = await CodexClient.StartAsync(options, CancellationToken.None);

            Assert.Equal("0.1.2", client.RuntimeVersion);
            var warning = Assert.Single(client.DrainWarnings());
            Assert.Contains("0.1.2", warning, StringComparison.Ordinal);
            Assert.Contains(Runtime.CodexRuntimeLocator.PinnedVersion, warning, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task ThePinnedRuntimeStartsWithoutAVersionWarning()
    {
        await using var rt = await TestRuntime.StartAsync();
        Assert.Equal(Runtime.CodexRuntimeLocator.PinnedVersion, rt.Client.RuntimeVersion);
        Assert.DoesNotContain(rt.Client.DrainWarnings(), w => w.Contains("CodexPS is built and tested for", StringComparison.Ordinal));
    }

    /// <summary>A shell script standing in for the runtime; it ignores the app-server arguments.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static async Task<string> FakeRuntimeAsync(string dir, string body)
    {
        var script = Path.Combine(dir, "fake-codex");
        await File.WriteAllTextAsync(script, "#!/bin/sh\n" + body);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    [Fact]
    public async Task TheRuntimeExitsWhenItsStdinCloses()
    {
        await using var rt = await TestRuntime.StartAsync();
        var pid = rt.Client.ProcessId;
        Assert.NotNull(pid);
        using var process = Process.GetProcessById(pid!.Value);
        Assert.False(process.HasExited);

        // The client's dispose closes stdin and only kills after 3 s; finishing well before that means the runtime left on its own.
        var stopwatch = Stopwatch.StartNew();
        await rt.Client.DisposeAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(3));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2.5), $"The runtime took {stopwatch.Elapsed} to exit.");
        Assert.True(process.HasExited);
        Assert.Equal(CodexRuntimeState.Stopped, rt.Client.State);
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(pid.Value));
    }
}

[CollectionDefinition(Name)]
public sealed class RealRuntimeCollection
{
    /// <summary>Tests that start the real runtime run one at a time: the machine has two cores and some tests time things.</summary>
    public const string Name = "Real runtime";
}
