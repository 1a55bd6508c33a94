using System.Management.Automation;
using CodexPS.Engine;
using CodexPS.Engine.Runtime;

namespace CodexPS.Commands;

/// <summary>Applies a Codex-format patch with the runtime's own matcher, whole or not at all.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "CodexPatch", DefaultParameterSetName = PatchSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CodexPatchChange))]
public sealed class InvokeCodexPatchCommand : CodexCmdlet
{
    private const string PatchSet = "Patch";
    private const string PathSet = "Path";

    /// <summary>The patch text, from *** Begin Patch to *** End Patch.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PatchSet)]
    public string Patch { get; set; } = string.Empty;

    /// <summary>A file holding the patch.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [Alias("FullName")]
    public string Path { get; set; } = string.Empty;

    /// <summary>The folder the patch's relative paths are resolved against; default: the current location.</summary>
    [Parameter]
    public string? WorkingDirectory { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var cwd = SessionState.Path.GetUnresolvedProviderPathFromPSPath(WorkingDirectory ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath);
        if (!Directory.Exists(cwd))
        {
            ThrowTerminatingError(NewError("CodexWorkingDirectoryNotFound", ErrorCategory.ObjectNotFound, WorkingDirectory, $"The working directory '{cwd}' does not exist."));
        }

        var patch = Patch;
        object target = Patch;
        if (ParameterSetName == PathSet)
        {
            var file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            target = Path;
            if (!File.Exists(file))
            {
                WriteError(NewError("CodexPatchFileNotFound", ErrorCategory.ObjectNotFound, Path, $"The patch file '{file}' does not exist."));
                return;
            }

            patch = File.ReadAllText(file);
        }

        var changes = CodexPatch.ParseChanges(patch, cwd);
        var approved = true;
        foreach (var change in changes)
        {
            var action = change.Kind == CodexPatchChangeKind.Move ? $"Move from {change.MovedFrom}" : change.Kind.ToString();

            // Every file is asked about (so -WhatIf lists them all); one refusal leaves the whole patch unapplied.
            approved &= ShouldProcess(change.Path, action);
        }

        if (!approved || (changes.Count == 0 && !ShouldProcess(cwd, "Apply patch")))
        {
            return;
        }

        CodexLocation location;
        try
        {
            location = CodexRuntimeLocator.Locate(ModuleState.Client?.Location.Path ?? ModuleState.Settings.CodexPath, new[] { ModuleState.ModuleDirectory });
        }
        catch (CodexException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex, null));
            return;
        }

        try
        {
            var output = Await(CodexPatch.ApplyAsync(location.Path, patch, cwd, CancellationToken));
            WriteVerbose(output.Trim());
            foreach (var change in changes)
            {
                WriteObject(change);
            }
        }
        catch (CodexPatchException ex)
        {
            WriteError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidData, target));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, target));
        }
    }
}
