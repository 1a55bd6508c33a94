using System.Management.Automation;
using CodexPS.Engine.Protocol;

namespace CodexPS.Commands;

/// <summary>Reads the account the session's runtime is logged in with (account/read); nothing when logged out.</summary>
[Cmdlet(VerbsCommon.Get, "CodexAccount")]
[OutputType(typeof(CodexAccount))]
public sealed class GetCodexAccountCommand : CodexCmdlet
{
    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var client = GetClient();
        try
        {
            if (Await(client.ReadAccountAsync(CancellationToken)) is { } account)
            {
                WriteObject(account);
            }
            else if (client.RequiresOpenaiAuth == false)
            {
                WriteVerbose("The runtime's model provider does not use an OpenAI login; the runtime reports no account for it.");
            }
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            ThrowTerminatingError(ToErrorRecord(ex, "account/read"));
        }
    }
}
