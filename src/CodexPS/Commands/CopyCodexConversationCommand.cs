using System.Management.Automation;
using CodexPS.Engine.Conversations;

namespace CodexPS.Commands;

/// <summary>Forks a saved conversation into a new live one that carries its history.</summary>
[Cmdlet(VerbsCommon.Copy, "CodexConversation", DefaultParameterSetName = DefaultSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(CodexConversation))]
public sealed class CopyCodexConversationCommand : SavedConversationCmdlet
{
    /// <summary>The model of the fork; default: the original's.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>The working directory of the fork; default: the original's.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    /// <summary>Keeps the fork out of the saved history.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public SwitchParameter Ephemeral { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string? cwd = null;
        if (WorkingDirectory is not null)
        {
            cwd = ResolveDirectory(WorkingDirectory, out var error);
            if (cwd is null)
            {
                WriteError(error!);
                return;
            }
        }

        if (!ShouldProcess($"conversation {Id}", "Fork"))
        {
            return;
        }

        var client = GetClient();
        try
        {
            var options = new CodexConversationOptions { Model = Model, WorkingDirectory = cwd, Ephemeral = Ephemeral };
            WriteObject(Await(client.ForkConversationAsync(Id!, options, CancellationToken)));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, Id));
        }
    }
}
