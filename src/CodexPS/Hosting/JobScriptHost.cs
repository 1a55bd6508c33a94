using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using CodexPS.Engine.Protocol;

namespace CodexPS.Hosting;

/// <summary>
/// The runspace a background turn (-AsJob) runs its script-block handlers in: the caller's runspace is busy with
/// other work, and a script block may run only in one runspace at a time. Opened at the first request, with
/// CodexPS imported (a handler may steer or stop the turn), and closed with the job.
/// </summary>
internal sealed class JobScriptHost : IDisposable
{
    private const string InvokeScript = """
        param($__codexHandler, $__codexRequest)
        $__codexVariables = [System.Collections.Generic.List[psvariable]]::new()
        $__codexVariables.Add([psvariable]::new('_', $__codexRequest))
        $__codexVariables.Add([psvariable]::new('PSItem', $__codexRequest))
        try { [scriptblock]::Create($__codexHandler).InvokeWithContext($null, $__codexVariables, $__codexRequest) } catch { throw }
        """;

    private static readonly AsyncLocal<JobScriptHost?> Ambient = new();
    private readonly object _gate = new();
    private readonly string? _modulePath;
    private Runspace? _runspace;
    private bool _disposed;

    public JobScriptHost(string? modulePath)
    {
        _modulePath = modulePath;
    }

    /// <summary>The host of the job whose events are being read on this flow; null on a pipeline thread.</summary>
    public static JobScriptHost? Current
    {
        get => Ambient.Value;
        set => Ambient.Value = value;
    }

    /// <summary>Runs the handler's text with the request as $_ and as its argument; one request at a time.</summary>
    public Collection<PSObject> Invoke(ScriptBlock handler, CodexApprovalRequest request)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _runspace ??= Open();
            using var shell = PowerShell.Create();
            shell.Runspace = _runspace;
            shell.AddScript(InvokeScript).AddArgument(handler.ToString()).AddArgument(request);
            return shell.Invoke();
        }
    }

    private Runspace Open()
    {
        var state = InitialSessionState.CreateDefault2();
        if (_modulePath is not null)
        {
            state.ImportPSModule(new[] { _modulePath });
        }

        var runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        return runspace;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _runspace?.Dispose();
            _runspace = null;
        }
    }
}
