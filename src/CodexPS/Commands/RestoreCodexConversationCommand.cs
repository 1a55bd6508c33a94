using System.Management.Automation;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>Brings an archived conversation back to the active list.</summary>
[Cmdlet(VerbsData.Restore, "CodexConversation", DefaultParameterSetName = DefaultSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(CodexThreadInfo))]
public sealed class RestoreCodexConversationCommand : SavedConversationCmdlet
{
    /// <summary>Writes the restored conversation.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"conversation {Id}", "Unarchive"))
        {
            return;
        }

        var client = ClientOf(Id);
        try
        {
            var thread = Await(client.UnarchiveThreadAsync(Id!, CancellationToken));
            if (PassThru)
            {
                WriteObject(thread);
            }
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, Id));
        }
    }
}
