using System.Diagnostics;

namespace CodexPS.Engine.Runtime;

/// <summary>
/// A short run of a helper command of the runtime (its schema printer, its sandbox probe): standard input closed, both
/// outputs read whole, and the process tree killed when it outlives its time limit.
/// </summary>
internal static class BoundedProcess
{
    /// <summary>How the run ended: not started (StartError), out of time (TimedOut), or exited with its outputs.</summary>
    internal sealed record Outcome(string? StartError, bool TimedOut, int ExitCode, string StandardOutput, string StandardError);

    /// <summary>Runs the binary; only the caller's cancellation throws, a binary that fails or hangs is an outcome.</summary>
    public static async Task<Outcome> RunAsync(
        string binary, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return new Outcome(ex.Message, false, -1, string.Empty, string.Empty);
        }

        process.StandardInput.Close();
        // Read whole and without the caller's token: a killed process closes its pipes, so neither read can hang.
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            return new Outcome(null, true, -1, string.Empty, string.Empty);
        }

        return new Outcome(null, false, process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
