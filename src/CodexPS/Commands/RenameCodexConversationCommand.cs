using System.Management.Automation;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>Sets the title of a saved conversation.</summary>
[Cmdlet(VerbsCommon.Rename, "CodexConversation", DefaultParameterSetName = DefaultSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CodexThreadInfo))]
public sealed class RenameCodexConversationCommand : SavedConversationCmdlet
{
    /// <summary>The new title.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = DefaultSet)]
    [ValidateNotNullOrEmpty]
    public string? NewName { get; set; }

    /// <summary>Writes the renamed conversation.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"conversation {Id}", $"Rename to '{NewName}'"))
        {
            return;
        }

        var client = ClientOf(Id);
        try
        {
            Await(client.SetThreadNameAsync(Id!, NewName!, CancellationToken));
            if (PassThru)
            {
                WriteObject(Await(client.ReadThreadAsync(Id!, CancellationToken)));
            }
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, Id));
        }
    }
}
