using System.Management.Automation;
using CodexPS.Completers;
using CodexPS.Engine.Models;

namespace CodexPS.Commands;

/// <summary>Lists the models the runtime offers (model/list, every page).</summary>
[Cmdlet(VerbsCommon.Get, "CodexModel", DefaultParameterSetName = DefaultSet)]
[OutputType(typeof(CodexModel))]
public sealed class GetCodexModelCommand : CodexCmdlet
{
    private const string DefaultSet = "Default";

    /// <summary>Model slugs to return; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = DefaultSet)]
    [Alias("Model")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ModelCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Includes models hidden from the default picker.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public SwitchParameter IncludeHidden { get; set; }

    private IReadOnlyList<CodexModel>? _models;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (_models is null)
        {
            var client = GetClient();
            try
            {
                _models = Await(CodexModelCatalog.ListAsync(client.RequestAsync, IncludeHidden, CancellationToken));
            }
            catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
            {
                ThrowTerminatingError(ToErrorRecord(ex, "model/list"));
                return;
            }

            if (!IncludeHidden)
            {
                ModelCache.Remember(_models);
            }
        }

        if (Name is null || Name.Length == 0)
        {
            foreach (var model in _models)
            {
                WriteObject(model);
            }

            return;
        }

        foreach (var name in Name)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var found = false;
            foreach (var model in _models.Where(m => pattern.IsMatch(m.Model) || pattern.IsMatch(m.Id)))
            {
                found = true;
                WriteObject(model);
            }

            if (!found && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(NewError("CodexModelNotFound", ErrorCategory.ObjectNotFound, name,
                    $"The runtime offers no model '{name}'." + (IncludeHidden ? string.Empty : " Hidden models are listed with -IncludeHidden.")));
            }
        }
    }
}
