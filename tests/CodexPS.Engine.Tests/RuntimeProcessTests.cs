using System.Diagnostics;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Runtime;

namespace CodexPS.Engine.Tests;

/// <summary>The runtime's process life cycle: how it starts (apart from the terminal), dies at start-up, is told to stop or killed.</summary>
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
        // The drift verdict is cached per user: this fake binary's belongs in the test's folder.
        var savedData = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        Environment.SetEnvironmentVariable("XDG_DATA_HOME", Path.Combine(dir, "data"));
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

            // The fake has no generate-json-schema, so drift could not be checked: the warning falls back to the range alone.
            Assert.Equal(Runtime.Drift.CodexRuntimeDriftStatus.NotChecked, client.RuntimeDrift?.Status);
            Assert.Contains("could not be checked", warning, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_DATA_HOME", savedData);
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

    [Fact]
    public async Task TheRuntimeRunsInASessionAndProcessGroupOfItsOwn()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // Reads /proc/<pid>/stat; macOS takes the same posix_spawn path but has no /proc to read it from.
        }

        await using var rt = await TestRuntime.StartAsync();
        var pid = rt.Client.ProcessId!.Value;
        var (runtimeGroup, runtimeSession) = GroupAndSession(pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (ownGroup, ownSession) = GroupAndSession("self");

        // A terminal sends SIGINT to its foreground process group; the runtime must be in neither our group nor our session.
        Assert.NotEqual(ownGroup, runtimeGroup);
        Assert.NotEqual(ownSession, runtimeSession);
        Assert.Equal(pid, runtimeGroup);
        Assert.Equal(pid, runtimeSession);
    }

    [Fact]
    public async Task KillEndsTheRuntimeAndWhatItStartedAndReportsTheSignal()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // The fake runtime is a shell script.
        }

        var dir = TestRuntime.NewTempDirectory("codexps-fake");
        try
        {
            // Starts two long-lived children (as the runtime starts commands): one stays in its process group, one
            // leaves it for a session of its own (as a command run in a terminal does; `setsid` is util-linux's).
            // Tells us their PIDs, then serves until stdin closes.
            var script = await FakeRuntimeAsync(dir,
                "sleep 300 &\necho \"child=$!\" >&2\n"
                + "if command -v setsid >/dev/null; then setsid sleep 300 & echo \"escaped=$!\" >&2; else echo 'escaped=none' >&2; fi\n"
                + "while read line; do :; done\n");
            var runtime = CodexRuntimeProcess.Start(script, Path.Combine(dir, "home"), dir, Array.Empty<KeyValuePair<string, string>>());
            await using var _ = runtime;
            var children = new List<int> { Pid(await WaitForStderrAsync(runtime, "child=")) };
            var escaped = await WaitForStderrAsync(runtime, "escaped=");
            if (escaped != "escaped=none")
            {
                var escapedPid = Pid(escaped);
                children.Add(escapedPid);
                var deadline0 = DateTime.UtcNow + TimeSpan.FromSeconds(10);
                while (OperatingSystem.IsLinux() && GroupAndSessionOrNull(escapedPid)?.Session != escapedPid && DateTime.UtcNow < deadline0)
                {
                    await Task.Delay(20); // setsid has not run yet
                }
            }

            Assert.NotNull(runtime.Sample());

            runtime.Kill();

            Assert.Equal(128 + 9, await runtime.Exited.WaitAsync(TimeSpan.FromSeconds(10)));
            foreach (var child in children)
            {
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
                while (IsAlive(child) && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50);
                }

                Assert.False(IsAlive(child), $"The runtime's child {child} outlived Kill.");
            }

            Assert.Null(runtime.Sample());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task TheRuntimeStartsInItsWorkingDirectoryWithItsEnvironmentAndExitCode()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // The fake runtime is a shell script.
        }

        var dir = TestRuntime.NewTempDirectory("codexps-fake");
        var workspace = Directory.CreateDirectory(Path.Combine(dir, "work space")).FullName;
        try
        {
            var script = await FakeRuntimeAsync(dir, "echo \"cwd=$(pwd) home=$CODEX_HOME extra=$CODEXPS_TEST_EXTRA removed=${HOME:-none}\" >&2\nread line\nexit 7\n");
            var environment = new Dictionary<string, string?> { ["CODEXPS_TEST_EXTRA"] = "a b", ["HOME"] = null };
            var runtime = CodexRuntimeProcess.Start(script, Path.Combine(dir, "home"), workspace, Array.Empty<KeyValuePair<string, string>>(), environment);
            await using var _ = runtime;
            await runtime.StandardInput.WriteAsync("{}\n"u8.ToArray());
            await runtime.StandardInput.FlushAsync();

            Assert.Equal(7, await runtime.Exited.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.True(runtime.HasExited);
            Assert.Equal($"cwd={workspace} home={Path.Combine(dir, "home")} extra=a b removed=none", runtime.StderrTail());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AProgramThatCannotBeStartedIsReportedAsNotFound()
    {
        var dir = TestRuntime.NewTempDirectory("codexps-fake");
        try
        {
            var missing = Path.Combine(dir, "no-such-codex");
            var error = Assert.Throws<CodexRuntimeNotFoundException>(
                () => CodexRuntimeProcess.Start(missing, Path.Combine(dir, "home"), dir, Array.Empty<KeyValuePair<string, string>>()));
            Assert.Contains(missing, error.Message, StringComparison.Ordinal);
            Assert.Equal(missing, Assert.Single(error.Searched));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Fields 5 (process group) and 6 (session) of /proc/ID/stat; the name in field 2 may hold spaces and parentheses.</summary>
    private static (int Group, int Session) GroupAndSession(string id)
    {
        var stat = File.ReadAllText($"/proc/{id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static int Pid(string line) => int.Parse(line[(line.IndexOf('=') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    private static (int Group, int Session)? GroupAndSessionOrNull(int pid)
    {
        try
        {
            return OperatingSystem.IsLinux() ? GroupAndSession(pid.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<string> WaitForStderrAsync(CodexRuntimeProcess runtime, string prefix)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var line = runtime.StderrTail().Split(Environment.NewLine).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"The fake runtime wrote no '{prefix}' line. stderr: {runtime.StderrTail()}");
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
