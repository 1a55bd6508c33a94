using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;

namespace CodexPS.Tools;

/// <summary>
/// One run of a tool on the calling thread, in the current runspace: the command invoked with the bound arguments
/// splatted (data, never script text), its output formatted, and a stop (Ctrl+C through the token, or the time limit
/// through a timer) that reaches whichever nested pipeline is running at that moment.
/// </summary>
internal sealed class CodexToolCall : IDisposable
{
    /// <summary>
    /// The only script a call runs: a constant. The command (a CommandInfo or the tool's ScriptBlock object) and the
    /// arguments (a hashtable of values) arrive as parameters, so no value the model sent is ever parsed as PowerShell.
    /// Warnings are merged into the output (3&gt;&amp;1): a nested pipeline writes them to the host, out of the model's sight.
    /// </summary>
    private const string CallScript = "param($__codexToolCommand, $__codexToolArguments) & $__codexToolCommand @__codexToolArguments 3>&1";

    private readonly CodexTool _tool;
    private readonly object _gate = new();
    private readonly Timer _timer;
    private readonly CancellationTokenRegistration _registration;
    private PowerShell? _running;
    private bool _timedOut;
    private bool _stopped;

    public CodexToolCall(CodexTool tool, CancellationToken cancellationToken)
    {
        _tool = tool;
        _timer = new Timer(_ => Stop(timedOut: true), null, TimeSpan.FromSeconds(tool.TimeoutSec), Timeout.InfiniteTimeSpan);
        _registration = cancellationToken.Register(() => Stop(timedOut: false));
    }

    public void Dispose()
    {
        _registration.Dispose();
        _timer.Dispose();
    }

    public CodexToolCallOutcome Run(IDictionary arguments, Stopwatch watch)
    {
        var splat = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in arguments)
        {
            splat[entry.Key] = entry.Value;
        }

        // Consent was asked once, by the turn's approval path (or waived by -Trusted): the command's own
        // ShouldProcess prompt would ask again, or fail in a host that cannot prompt.
        if (_tool.SupportsShouldProcess)
        {
            splat["Confirm"] = false;
        }

        var output = new List<PSObject>();
        var errors = new List<string>();
        var warnings = new List<string>();
        using (var shell = PowerShell.Create(RunspaceMode.CurrentRunspace))
        {
            shell.AddScript(CallScript, useLocalScope: true)
                .AddArgument((object?)_tool.Command ?? _tool.ScriptBlock)
                .AddArgument(splat);
            RunStoppable(shell, () => shell.Invoke(null, output), errors);
            errors.InsertRange(0, shell.Streams.Error.Select(Describe));
            warnings.AddRange(shell.Streams.Warning.Select(w => w.Message));
        }

        warnings.AddRange(output.Select(o => o?.BaseObject).OfType<WarningRecord>().Select(w => w.Message));
        output.RemoveAll(o => o?.BaseObject is WarningRecord);

        // A stopped call's partial output is not formatted: formatting is a pipeline too, and the call must end now.
        var formatted = output.Count == 0 ? string.Empty : IsStopped ? Fallback(output) : Format(output);

        return Outcome(formatted, errors.Distinct().ToList(), warnings, watch);
    }

    private bool IsStopped
    {
        get
        {
            lock (_gate)
            {
                return _timedOut || _stopped;
            }
        }
    }

    /// <summary>Runs one nested pipeline, stoppable by the token or the timer; its failure becomes an error line.</summary>
    private void RunStoppable(PowerShell shell, Action invoke, List<string> errors)
    {
        lock (_gate)
        {
            if (_timedOut || _stopped)
            {
                return;
            }

            _running = shell;
        }

        try
        {
            invoke();
        }
        catch (PipelineStoppedException)
        {
            // Stopped by us, or by PowerShell stopping the caller's pipeline (Ctrl+C) before the token said so.
            lock (_gate)
            {
                _stopped |= !_timedOut;
            }
        }
        catch (Exception ex)
        {
            // The tool's own failure (a throw, a binding error, a stop of the caller's pipeline) is the model's to read.
            errors.Add(ex is RuntimeException { ErrorRecord: { } record } ? Describe(record) : ex.Message);
        }
        finally
        {
            lock (_gate)
            {
                _running = null;
            }
        }
    }

    private void Stop(bool timedOut)
    {
        lock (_gate)
        {
            if (_timedOut || _stopped)
            {
                return;
            }

            _timedOut = timedOut;
            _stopped = !timedOut;
            try
            {
                // Asynchronous: the timer or the token's thread never waits for the pipeline to wind down.
                _running?.BeginStop(null, null);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or PSInvalidOperationException)
            {
                // It ended meanwhile.
            }
        }
    }

    /// <summary>The output as the tool's format says; a formatting failure falls back to each object's ToString.</summary>
    private string Format(List<PSObject> output)
    {
        using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
        if (_tool.OutputFormat == CodexToolOutputFormat.Json)
        {
            shell.AddCommand("Microsoft.PowerShell.Utility\\ConvertTo-Json")
                .AddParameter("Depth", 4).AddParameter("Compress", true).AddParameter("EnumsAsStrings", true);
        }
        else
        {
            shell.AddCommand("Microsoft.PowerShell.Utility\\Out-String").AddParameter("Width", 120);
        }

        var text = new StringBuilder();
        var failures = new List<string>();
        RunStoppable(shell, () =>
        {
            foreach (var piece in shell.Invoke(output))
            {
                text.Append(piece?.BaseObject as string ?? piece?.ToString());
            }
        }, failures);
        return failures.Count > 0 || (text.Length == 0 && !IsStopped) ? Fallback(output) : text.ToString().TrimEnd();
    }

    private static string Fallback(List<PSObject> output) => string.Join("\n", output.Select(o => o?.ToString() ?? string.Empty));

    private CodexToolCallOutcome Outcome(string output, List<string> errors, List<string> warnings, Stopwatch watch)
    {
        bool timedOut, stopped;
        lock (_gate)
        {
            (timedOut, stopped) = (_timedOut, _stopped);
        }

        var text = new StringBuilder();
        if (timedOut || stopped)
        {
            text.Append(timedOut
                ? $"The tool was stopped after {_tool.TimeoutSec} s (its time limit) before it finished."
                : "The tool was stopped before it finished (the user or the turn stopped it).");
            if (output.Length > 0)
            {
                text.Append("\nOutput before it was stopped:\n").Append(output);
            }
        }
        else if (errors.Count > 0)
        {
            text.Append("The command failed:");
            foreach (var error in errors)
            {
                text.Append("\n- ").Append(error);
            }

            if (output.Length > 0)
            {
                text.Append("\nOutput before the error:\n").Append(output);
            }
        }
        else
        {
            text.Append(output.Length > 0 ? output : "The command completed and wrote no output.");
        }

        if (warnings.Count > 0)
        {
            text.Append("\nWarnings:");
            foreach (var warning in warnings)
            {
                text.Append("\n- ").Append(warning);
            }
        }

        var success = !timedOut && !stopped && errors.Count == 0;
        return new CodexToolCallOutcome(CodexToolOutputText.Cap(text.ToString(), _tool.MaxOutputBytes), success, watch.Elapsed, timedOut, stopped);
    }

    private static string Describe(ErrorRecord record)
    {
        var message = record.ErrorDetails?.Message is { Length: > 0 } details ? details : record.Exception?.Message ?? record.ToString();
        return message.Trim();
    }
}
