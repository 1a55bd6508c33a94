using System.Management.Automation;
using CodexPS.Testing;

namespace CodexPS.Commands;

/// <summary>
/// Registers the CodexPS Pester assertions (Should -HaveRunCommand, -HaveChangedFile, -HaveAskedApproval,
/// -HaveFinalAnswer) with the Pester loaded in this session. CodexPS commands do this by themselves once Pester is
/// loaded; call it when a test asserts before running any CodexPS command.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "CodexShouldOperator")]
[OutputType(typeof(string))]
public sealed class RegisterCodexShouldOperatorCommand : CodexCmdlet
{
    /// <summary>Also writes the names of the operators registered.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        if (!CodexShouldOperators.RegisterIfPesterLoaded(this))
        {
            WriteError(NewError("CodexPesterNotLoaded", ErrorCategory.ObjectNotFound, "Pester",
                "Pester is not loaded in this session (Add-ShouldOperator was not found); import Pester 5 first (Import-Module Pester), then register."));
            return;
        }

        if (PassThru)
        {
            foreach (var (name, _) in CodexShouldOperators.Operators)
            {
                WriteObject(name);
            }
        }
    }
}
