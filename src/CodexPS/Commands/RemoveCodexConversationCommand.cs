using System.Management.Automation;

namespace CodexPS.Commands;

/// <summary>Archives a saved conversation, or with -Delete deletes it for good.</summary>
[Cmdlet(VerbsCommon.Remove, "CodexConversation", DefaultParameterSetName = DefaultSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveCodexConversationCommand : SavedConversationCmdlet
{
    /// <summary>Deletes the saved history for good instead of archiving it.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public SwitchParameter Delete { get; set; }

    /// <summary>Deletes without the extra confirmation that -Delete asks for.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public SwitchParameter Force { get; set; }

    private bool _yesToAll;
    private bool _noToAll;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var target = $"conversation {Id}";
        if (!ShouldProcess(target, Delete ? "Delete for good" : "Archive"))
        {
            return;
        }

        // Deleting cannot be undone, so it is confirmed as a High-impact action would be, unless the caller
        // said -Confirm:$false, set $ConfirmPreference to None or gave -Force; archiving stays Medium.
        if (Delete && !Force && !ConfirmWaived()
            && !ShouldContinue($"Delete {target} and its saved history for good? This cannot be undone.", "Delete conversation", ref _yesToAll, ref _noToAll))
        {
            return;
        }

        var client = ClientOf(Id);
        try
        {
            Await(Delete ? client.DeleteThreadAsync(Id!, CancellationToken) : client.ArchiveThreadAsync(Id!, CancellationToken));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, Id));
        }
    }

    private bool ConfirmWaived()
    {
        if (MyInvocation.BoundParameters.ContainsKey("Confirm"))
        {
            // -Confirm was already answered by ShouldProcess; -Confirm:$false waives the question.
            return true;
        }

        return GetVariableValue("ConfirmPreference") is ConfirmImpact preference && preference == ConfirmImpact.None;
    }
}
