using System.Text.Json.Nodes;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;
using CodexPS.Engine.Runtime;

namespace CodexPS.Engine.Diagnostics;

/// <summary>
/// Whether the runtime can sandbox the commands it runs. Linux: codex 0.169 sandboxes with bubblewrap, taking bwrap
/// from PATH and otherwise its bundled copy (codex-resources/bwrap, with a configWarning at every start); a command run
/// through `codex sandbox` shows whether the kernel lets it (unprivileged user namespaces). Windows: the runtime's
/// windowsSandbox/readiness. macOS: Seatbelt (sandbox-exec), part of the system.
/// </summary>
internal static class CodexSandboxInspector
{
    private const string Name = "Sandbox";
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

    public static async Task<CodexEnvironmentCheck> InspectAsync(string? binary, string? codexHome, CodexClient? client, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            if (client is null)
            {
                return new CodexEnvironmentCheck(Name, null, CodexCheckStatus.Skipped, "Not checked: windowsSandbox/readiness needs a running runtime, and none started (see the Runtime check).", "Fix the Runtime check first.");
            }

            var answer = await client.RequestAsync("windowsSandbox/readiness", null, cancellationToken).ConfigureAwait(false);
            return FromWindowsReadiness(answer.Str("status"));
        }

        if (OperatingSystem.IsMacOS())
        {
            return File.Exists("/usr/bin/sandbox-exec")
                ? new CodexEnvironmentCheck(Name, "/usr/bin/sandbox-exec", CodexCheckStatus.Pass, "Seatbelt (/usr/bin/sandbox-exec) is present.", null)
                : new CodexEnvironmentCheck(Name, "/usr/bin/sandbox-exec", CodexCheckStatus.Fail, "/usr/bin/sandbox-exec (Seatbelt) is missing; the runtime cannot sandbox commands.", "Restore the macOS system file /usr/bin/sandbox-exec (it ships with macOS).");
        }

        if (binary is null)
        {
            return new CodexEnvironmentCheck(Name, null, CodexCheckStatus.Skipped, "Not checked: the runtime binary was not found (see the Runtime check).", "Fix the Runtime check first.");
        }

        var onPath = FindOnPath("bwrap");
        var bundled = BundledBubblewrap(binary);
        var probe = await ProbeAsync(binary, codexHome, cancellationToken).ConfigureAwait(false);
        return FromLinux(onPath, bundled, probe);
    }

    /// <summary>What windowsSandbox/readiness said, as a check (ready, notConfigured, updateRequired, or a value this version does not know).</summary>
    internal static CodexEnvironmentCheck FromWindowsReadiness(string? status) => status switch
    {
        "ready" => new CodexEnvironmentCheck(Name, "windowsSandbox", CodexCheckStatus.Pass, "The Windows sandbox is ready (windowsSandbox/readiness: ready).", null),
        "notConfigured" => new CodexEnvironmentCheck(Name, "windowsSandbox", CodexCheckStatus.Fail,
            "The Windows sandbox is not set up (windowsSandbox/readiness: notConfigured); sandboxed commands cannot run.",
            "Run 'codex' once interactively and accept the sandbox setup (it needs an elevated prompt), or use -Sandbox DangerFullAccess knowingly."),
        "updateRequired" => new CodexEnvironmentCheck(Name, "windowsSandbox", CodexCheckStatus.Warn,
            "The Windows sandbox needs an update (windowsSandbox/readiness: updateRequired).", "Run 'codex' once interactively and accept the sandbox update."),
        _ => new CodexEnvironmentCheck(Name, "windowsSandbox", CodexCheckStatus.Warn, $"windowsSandbox/readiness answered '{status}', which this CodexPS does not know.", "Check the runtime version (the Runtime check)."),
    };

    /// <summary>
    /// The Linux verdict from where bwrap was found and what a probe in the sandbox did: it must run (ExitCode 0,
    /// Ran) and must not be able to write outside its allowed roots (Escaped false). A null exit code: it did not finish.
    /// </summary>
    internal static CodexEnvironmentCheck FromLinux(string? onPath, string? bundled, SandboxProbe probe)
    {
        var target = onPath ?? bundled;
        var where = $"bubblewrap: {onPath ?? "not on PATH"}; bundled copy: {bundled ?? "none"}";
        if (probe.ExitCode != 0 || !probe.Ran)
        {
            var why = probe.ExitCode is null ? "did not finish" : $"failed (exit code {probe.ExitCode})";
            var detail = string.IsNullOrWhiteSpace(probe.Error) ? string.Empty : ": " + DisplayText.Sanitize(probe.Error.Trim(), 300);
            return new CodexEnvironmentCheck(Name, target, CodexCheckStatus.Fail,
                $"A command in the runtime's sandbox (codex sandbox -- sh) {why}{detail}. {where}.",
                "Install bubblewrap (apt install bubblewrap / dnf install bubblewrap) and allow unprivileged user namespaces "
                + "(sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04+ kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap).");
        }

        if (probe.Escaped)
        {
            return new CodexEnvironmentCheck(Name, target, CodexCheckStatus.Fail,
                $"A command in the runtime's read-only sandbox could write a file in {Path.GetTempPath()}: the sandbox does not confine commands. {where}.",
                "Check that bubblewrap and the kernel's namespaces work (bwrap --ro-bind / / true); do not run the runtime with a writable sandbox until they do.");
        }

        if (onPath is null)
        {
            return new CodexEnvironmentCheck(Name, bundled, CodexCheckStatus.Warn,
                $"bubblewrap is not on PATH; the runtime uses its bundled copy ({bundled ?? "location unknown"}). A command in its read-only sandbox ran and could not write outside it.",
                "Install bubblewrap with the system's package manager (apt install bubblewrap / dnf install bubblewrap), as the runtime asks.");
        }

        return new CodexEnvironmentCheck(Name, onPath, CodexCheckStatus.Pass, $"bubblewrap at {onPath}; a command in the read-only sandbox ran and could not write outside it.", null);
    }

    private static string? BundledBubblewrap(string binary)
    {
        // vendor/<triple>/bin/codex beside vendor/<triple>/codex-resources/bwrap.
        var bin = Path.GetDirectoryName(binary);
        var triple = bin is null ? null : Path.GetDirectoryName(bin);
        var candidate = triple is null ? null : Path.Combine(triple, "codex-resources", "bwrap");
        return candidate is not null && File.Exists(candidate) ? candidate : null;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>What the sandbox probe did.</summary>
    internal readonly record struct SandboxProbe(int? ExitCode, bool Ran, bool Escaped, string Error);

    private static async Task<SandboxProbe> ProbeAsync(string binary, string? codexHome, CancellationToken cancellationToken)
    {
        // `codex sandbox` runs a command under the same Linux sandbox the runtime gives commands (read-only by default):
        // it must run, and its write outside must fail.
        var escapeFile = Path.Combine(Path.GetTempPath(), "codexps-sandbox-probe-" + Guid.NewGuid().ToString("N"));
        var environment = new Dictionary<string, string> { ["RUST_LOG"] = "error" };
        if (codexHome is not null && Directory.Exists(codexHome))
        {
            environment["CODEX_HOME"] = codexHome;
        }

        BoundedProcess.Outcome run;
        try
        {
            run = await BoundedProcess.RunAsync(
                binary, new[] { "sandbox", "--", "sh", "-c", "echo sandboxed; if touch \"$1\" 2>/dev/null; then echo escaped; fi", "sh", escapeFile },
                Path.GetTempPath(), environment, ProbeTimeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (File.Exists(escapeFile))
            {
                File.Delete(escapeFile);
            }
        }

        if (run.StartError is { } notStarted)
        {
            return new SandboxProbe(-1, false, false, notStarted);
        }

        if (run.TimedOut)
        {
            return new SandboxProbe(null, false, false, $"no answer within {ProbeTimeout.TotalSeconds:0} s");
        }

        var text = run.StandardOutput;

        // The runtime's own notes about helper aliases under a temporary CODEX_HOME are not sandbox failures.
        var problems = string.Join(Environment.NewLine, run.StandardError.Split('\n').Where(l => !l.StartsWith("WARNING:", StringComparison.Ordinal)));
        return new SandboxProbe(run.ExitCode, text.Contains("sandboxed", StringComparison.Ordinal), text.Contains("escaped", StringComparison.Ordinal), problems);
    }
}
