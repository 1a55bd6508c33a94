using System.Management.Automation;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>Compacts a conversation's context: the model summarises the history so later turns carry less.</summary>
[Cmdlet(VerbsData.Compress, "CodexConversation", DefaultParameterSetName = DefaultSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(CodexTurnInfo))]
public sealed class CompressCodexConversationCommand : SavedConversationCmdlet
{
    /// <summary>How long to wait for the compaction to end.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"conversation {Id}", "Compact the context"))
        {
            return;
        }

        var client = ClientOf(Id);
        try
        {
            WriteObject(Await(client.CompactThreadAsync(Id!, Timeout, CancellationToken)));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, Id));
        }
    }
}
