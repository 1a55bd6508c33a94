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
        var cwd = ResolveDirectory(WorkingDirectory ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath, out var cwdError);
        if (cwd is null)
        {
            ThrowTerminatingError(cwdError!);
            return;
        }

        var patch = Patch;
        object target = Patch;
        if (ParameterSetName == PathSet)
        {
            var file = ToFileSystemPath(Path, out _);
            target = Path;
            if (file is null || !File.Exists(file))
            {
                WriteError(NewError("CodexPatchFileNotFound", ErrorCategory.ObjectNotFound, Path, $"The patch file '{file ?? Path}' does not exist."));
                return;
            }

            try
            {
                patch = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                WriteError(NewError("CodexPatchFileUnreadable", ErrorCategory.ReadError, Path, $"The patch file '{file}' cannot be read: {ex.Message}", ex));
                return;
            }
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
        var codexPath = RuntimeRegistry.ClientFor(null)?.Location.Path ?? RuntimeRegistry.SettingsFor(null)?.CodexPath;
        try
        {
            location = CodexRuntimeLocator.Locate(codexPath, new[] { RuntimeRegistry.ModuleDirectory });
        }
        catch (CodexException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex, codexPath ?? "codex"));
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
