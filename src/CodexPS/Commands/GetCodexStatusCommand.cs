using System.Management.Automation;

namespace CodexPS.Commands;

/// <summary>Reports the session's runtime: where it is, its version, state, account and rate limits.</summary>
[Cmdlet(VerbsCommon.Get, "CodexStatus")]
[OutputType(typeof(CodexStatus))]
public sealed class GetCodexStatusCommand : CodexCmdlet
{
    protected override void EndProcessing()
    {
        WriteClientWarnings(ModuleState.Client);
        WriteObject(CodexStatus.Capture(CancellationToken));
    }
}
