using System.Management.Automation;
using CodexPS.Engine.Mock;

namespace CodexPS.Commands;

/// <summary>Stops mock model endpoints: the ones given, or every one this session started.</summary>
[Cmdlet(VerbsLifecycle.Stop, "CodexMockProvider", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class StopCodexMockProviderCommand : CodexCmdlet
{
    /// <summary>The mock endpoint to stop (from Start-CodexMockProvider); all when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    public MockModelServer[]? MockProvider { get; set; }

    private readonly List<MockModelServer> _targets = new();

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        _targets.AddRange(MockProvider ?? Array.Empty<MockModelServer>());
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var targets = MyInvocation.BoundParameters.ContainsKey(nameof(MockProvider)) || _targets.Count > 0 ? _targets : MockRegistry.All.ToList();
        foreach (var mock in targets)
        {
            if (ShouldProcess(mock.BaseUrl, "Stop mock model endpoint"))
            {
                MockRegistry.Remove(mock);
            }
        }
    }
}
