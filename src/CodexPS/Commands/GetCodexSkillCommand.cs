using System.Management.Automation;
using CodexPS.Engine.Skills;

namespace CodexPS.Commands;

/// <summary>Lists the skills the runtime offers (skills/list): system skills and custom ones in CODEX_HOME/skills or a repository.</summary>
[Cmdlet(VerbsCommon.Get, "CodexSkill", DefaultParameterSetName = DefaultSet)]
[OutputType(typeof(CodexSkill))]
public sealed class GetCodexSkillCommand : CodexCmdlet
{
    private const string DefaultSet = "Default";

    /// <summary>Skill names to return; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = DefaultSet)]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>Folders whose repository skills are listed too; by default the runtime's working directory.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public string[]? WorkingDirectory { get; set; }

    /// <summary>Makes the runtime scan the skill folders again instead of answering from its cache.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public SwitchParameter Refresh { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string[]? folders = null;
        if (WorkingDirectory is not null)
        {
            folders = new string[WorkingDirectory.Length];
            for (var i = 0; i < folders.Length; i++)
            {
                var folder = ResolveDirectory(WorkingDirectory[i], out var error);
                if (folder is null)
                {
                    ThrowTerminatingError(error!);
                    return;
                }

                folders[i] = folder;
            }
        }

        var client = GetClient();
        IReadOnlyList<CodexSkill> skills;
        IReadOnlyList<CodexSkillError> errors;
        try
        {
            (skills, errors) = Await(CodexSkillCatalog.ListAsync(client, folders, Refresh, CancellationToken));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            ThrowTerminatingError(ToErrorRecord(ex, "skills/list"));
            return;
        }

        foreach (var error in errors)
        {
            WriteError(NewError("CodexSkillInvalid", ErrorCategory.InvalidData, error.Path, $"The runtime could not load the skill '{error.Path}': {error.Message}"));
        }

        if (Name is null || Name.Length == 0)
        {
            WriteObject(skills, enumerateCollection: true);
            return;
        }

        foreach (var name in Name)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var found = skills.Where(s => pattern.IsMatch(s.Name)).ToArray();
            WriteObject(found, enumerateCollection: true);
            if (found.Length == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(NewError("CodexSkillNotFound", ErrorCategory.ObjectNotFound, name, $"The runtime offers no skill '{name}'."));
            }
        }
    }
}
