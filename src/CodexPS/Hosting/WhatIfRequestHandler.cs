using System.Management.Automation;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;

namespace CodexPS.Hosting;

/// <summary>-WhatIf as a request handler: says what would have happened (ShouldProcess) and declines everything.</summary>
internal sealed class WhatIfRequestHandler : ICodexServerRequestHandler
{
    private readonly Cmdlet _cmdlet;

    /// <param name="cmdlet">The command run with -WhatIf; called only on its pipeline thread.</param>
    public WhatIfRequestHandler(Cmdlet cmdlet)
    {
        _cmdlet = cmdlet;
    }

    public ValueTask<CodexServerRequestAnswer?> HandleAsync(CodexApprovalRequest request, CancellationToken cancellationToken)
    {
        var (action, target) = ApprovalPrompter.Describe(request);
        _cmdlet.ShouldProcess(target, action);
        return new ValueTask<CodexServerRequestAnswer?>(CodexServerRequestAnswer.Decline("WhatIf"));
    }
}
