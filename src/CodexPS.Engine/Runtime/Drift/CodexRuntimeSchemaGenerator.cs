using System.Globalization;
using System.Text.Json;
using CodexPS.Engine.Protocol;

namespace CodexPS.Engine.Runtime.Drift;

/// <summary>
/// Has a runtime binary print its own protocol schema (`codex app-server generate-json-schema --out DIR`) into a
/// temporary folder and reads the bundle back. No network and no user config: it runs under a private, empty CODEX_HOME.
/// </summary>
public static class CodexRuntimeSchemaGenerator
{
    /// <summary>Runs the binary with a time limit; never throws for a binary that fails, only for cancellation.</summary>
    public static async Task<CodexRuntimeSchema> GenerateAsync(string binary, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var work = Path.Combine(Path.GetTempPath(), "codexps-schema-" + Guid.NewGuid().ToString("N")[..12]);
        var home = Path.Combine(work, "home");
        var output = Path.Combine(work, "schema");
        PrivateFiles.CreateDirectory(home);
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["CODEX_HOME"] = home,
                ["CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG"] = "1",
                ["RUST_LOG"] = "error",
            };
            var run = await BoundedProcess.RunAsync(binary, new[] { "app-server", "generate-json-schema", "--out", output }, work, environment, timeout, cancellationToken)
                .ConfigureAwait(false);
            if (run.StartError is { } notStarted)
            {
                return CodexRuntimeSchema.Failed($"it could not be run: {notStarted}");
            }

            if (run.TimedOut)
            {
                return CodexRuntimeSchema.Failed(
                    $"'codex app-server generate-json-schema' gave no schema within {timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s", transient: true);
            }

            var errors = run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var bundle = Path.Combine(output, CodexProtocolSurface.BundleFileName);
            if (run.ExitCode != 0 || !File.Exists(bundle))
            {
                var said = errors.FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? errors.FirstOrDefault();
                return CodexRuntimeSchema.Failed(
                    $"'codex app-server generate-json-schema' {(run.ExitCode != 0 ? $"failed with exit code {run.ExitCode.ToString(CultureInfo.InvariantCulture)}" : "wrote no schema bundle")}"
                    + (said is null ? string.Empty : ": " + DisplayText.Sanitize(said, 200)));
            }

            try
            {
                await using var stream = File.OpenRead(bundle);
                return CodexRuntimeSchema.Of(await JsonDocument.ParseAsync(stream, CodexProtocolSurface.BundleOptions, cancellationToken).ConfigureAwait(false));
            }
            catch (JsonException ex)
            {
                return CodexRuntimeSchema.Failed($"its schema bundle is not valid JSON: {ex.Message}");
            }
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A temp folder left behind is harmless; the verdict is what matters.
            }
        }
    }
}
