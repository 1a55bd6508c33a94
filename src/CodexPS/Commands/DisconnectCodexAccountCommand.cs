using System.Management.Automation;

namespace CodexPS.Commands;

/// <summary>Logs the session's runtime out of its account; the stored credentials are removed.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "CodexAccount", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class DisconnectCodexAccountCommand : CodexCmdlet
{
    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var client = GetClient();
        if (!ShouldProcess(Path.Combine(client.CodexHome, "auth.json"), "Log out (remove the stored credentials)"))
        {
            return;
        }

        try
        {
            Await(client.LogoutAsync(CancellationToken));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            ThrowTerminatingError(ToErrorRecord(ex, client.CodexHome));
        }
    }
}
