using System.Collections;
using System.Management.Automation;
using System.Text;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Exec;

namespace CodexPS.Commands;

/// <summary>Runs a command in the runtime's sandbox without the model (command/exec), streaming its output.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "CodexCommand", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CodexCommandResult), typeof(CodexCommandOutput))]
public sealed class InvokeCodexCommandCommand : CodexCmdlet
{
    private static readonly TimeSpan TerminateWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(250);

    /// <summary>The program and its arguments, passed as they are (no shell: use 'bash','-c','...' for one); words after the named parameters are taken too.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromRemainingArguments = true)]
    [ValidateNotNullOrEmpty]
    public string[] Command { get; set; } = Array.Empty<string>();

    /// <summary>The folder it runs in; default: the current location.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    /// <summary>The sandbox it runs in; default: the policy the runtime's configuration sets.</summary>
    [Parameter]
    public CodexSandbox? Sandbox { get; set; }

    /// <summary>Lets a WorkspaceWrite command reach the network.</summary>
    [Parameter]
    public SwitchParameter NetworkAccess { get; set; }

    /// <summary>Folders besides the working directory that a WorkspaceWrite command may write to.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [Alias("AddDir")]
    public string[]? AdditionalDirectory { get; set; }

    /// <summary>Seconds the runtime lets it run before it kills it (exit code 124); default: no limit.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSec { get; set; }

    /// <summary>Environment variables to set for it (a $null value unsets one).</summary>
    [Parameter]
    public IDictionary? Environment { get; set; }

    /// <summary>Writes each line of output as it arrives (CodexCommandOutput objects), before the result.</summary>
    [Parameter]
    public SwitchParameter Stream { get; set; }

    /// <summary>The named runtime to use (Connect-Codex -Name); default: the default runtime.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Runtime { get; set; }

    /// <inheritdoc/>
    protected override string? RuntimeName => Runtime;

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var display = string.Join(" ", Command.Select(a => a.Contains(' ', StringComparison.Ordinal) ? "'" + a + "'" : a));
        var cwd = ResolveDirectory(WorkingDirectory ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath, out var cwdError);
        if (cwd is null)
        {
            ThrowTerminatingError(cwdError!);
            return;
        }

        var additional = ResolveAdditionalDirectories(AdditionalDirectory, out var additionalError);
        if (additional is null)
        {
            ThrowTerminatingError(additionalError!);
            return;
        }

        var options = new CodexCommandOptions
        {
            Command = Command,
            WorkingDirectory = cwd,
            Sandbox = Sandbox,
            NetworkAccess = NetworkAccess,
            AdditionalDirectories = additional,
            Timeout = TimeoutSec is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            Environment = Environment?.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value is null ? null : LanguagePrimitives.ConvertTo<string>(e.Value), StringComparer.Ordinal),
        };
        if (!ShouldProcess($"{display} in {cwd}" + (Sandbox is { } sandbox ? $" ({sandbox} sandbox)" : " (the runtime's configured sandbox)"), "Run command"))
        {
            return;
        }

        var client = GetClient();
        CodexCommandExecution execution;
        try
        {
            execution = client.StartCommand(options);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            ThrowTerminatingError(ToErrorRecord(ex, display));
            return;
        }

        CodexCommandResult result;
        try
        {
            result = Follow(execution, display);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            ThrowTerminatingError(ToErrorRecord(ex, display));
            return;
        }
        finally
        {
            // Ctrl+C, or a pipeline that stopped early (Select-Object -First throws out of WriteObject): the
            // command must not outlive this cmdlet.
            if (!execution.Completion.IsCompleted)
            {
                Stop(execution);
            }
        }

        SessionState.PSVariable.Set("global:LASTEXITCODE", result.ExitCode);
        if (result.ExitCode == 124 && options.Timeout is { } limit && result.Duration >= limit)
        {
            WriteWarning($"'{display}' ran past -TimeoutSec {TimeoutSec} and the runtime ended it (exit code 124).");
        }

        if (result.Truncated)
        {
            WriteWarning($"The runtime's output cap cut off part of the output of '{display}'.");
        }

        WriteObject(result);
    }

    /// <summary>Reads the output until the command ends, writing lines (-Stream) or progress; returns the result.</summary>
    private CodexCommandResult Follow(CodexCommandExecution execution, string display)
    {
        var reader = execution.Output;
        var partial = new Dictionary<CodexCommandPipe, StringBuilder>();
        var progress = new ProgressRecord(Math.Abs(execution.ProcessId.GetHashCode()) % 100000, "Invoke-CodexCommand", display);
        var lastProgress = DateTime.MinValue;
        string? lastLine = null;
        try
        {
            while (Await(reader.WaitToReadAsync(CancellationToken).AsTask()))
            {
                while (reader.TryRead(out var piece))
                {
                    foreach (var line in Lines(partial, piece))
                    {
                        lastLine = line.Text;
                        if (Stream)
                        {
                            WriteObject(line);
                        }
                    }
                }

                // No bar while lines are written: the console host redraws it after every write (see TurnFeedback).
                if (!Stream && lastLine is not null && DateTime.UtcNow - lastProgress >= ProgressEvery)
                {
                    progress.StatusDescription = lastLine.Length > 120 ? lastLine[..120] : (lastLine.Length == 0 ? display : lastLine);
                    WriteProgress(progress);
                    lastProgress = DateTime.UtcNow;
                }
            }
        }
        finally
        {
            if (lastProgress != DateTime.MinValue)
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
        }

        // Output ended (the command exited): the text after the last line break is a line too.
        foreach (var (stream, rest) in partial)
        {
            if (rest.Length > 0 && Stream)
            {
                WriteObject(new CodexCommandOutput(stream, rest.ToString(), false));
            }
        }

        return Await(execution.Completion);
    }

    /// <summary>The whole lines a chunk completes on its stream; the rest waits for the next chunk.</summary>
    private static List<CodexCommandOutput> Lines(Dictionary<CodexCommandPipe, StringBuilder> partial, CodexCommandOutput piece)
    {
        if (!partial.TryGetValue(piece.Stream, out var buffer))
        {
            partial[piece.Stream] = buffer = new StringBuilder();
        }

        buffer.Append(piece.Text);
        var text = buffer.ToString();
        var start = 0;
        int end;
        var lines = new List<CodexCommandOutput>();
        while ((end = text.IndexOf('\n', start)) >= 0)
        {
            lines.Add(new CodexCommandOutput(piece.Stream, text[start..end].TrimEnd('\r'), false));
            start = end + 1;
        }

        buffer.Clear().Append(text, start, text.Length - start);
        return lines;
    }

    /// <summary>Asks the runtime to end the command, and waits a little for it to be gone.</summary>
    private static void Stop(CodexCommandExecution execution)
    {
        try
        {
            using var limit = new CancellationTokenSource(TerminateWait);
            PipelineWait.WaitAtMost(execution.TerminateAsync(limit.Token), TerminateWait);
            PipelineWait.WaitAtMost(execution.Completion, TerminateWait);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The runtime may have gone or finished the command already; there is nothing left to stop.
        }
    }
}
