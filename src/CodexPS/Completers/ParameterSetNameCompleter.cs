using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;

namespace CodexPS.Completers;

/// <summary>Completes New-CodexTool -ParameterSetName with the parameter sets of the command given to -Command.</summary>
public sealed class ParameterSetNameCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var value = fakeBoundParameters["Command"];
            value = value is PSObject wrapped ? wrapped.BaseObject : value;
            if (value is object[] { Length: > 0 } many)
            {
                value = many[0] is PSObject first ? first.BaseObject : many[0];
            }

            var command = value as CommandInfo ?? (value is string name ? Find(name) : null);
            if (command is AliasInfo alias)
            {
                command = alias.ResolvedCommand;
            }

            if (command is null)
            {
                return Array.Empty<CompletionResult>();
            }

            var (quote, pattern) = Completion.Pattern(wordToComplete);
            return command.ParameterSets
                .Where(s => s.Name != "__AllParameterSets" && pattern.IsMatch(s.Name))
                .Select(s => new CompletionResult(Completion.Quote(s.Name, quote), s.Name, CompletionResultType.ParameterValue, s.IsDefault ? s.Name + " (default)" : s.Name))
                .ToArray();
        }
        catch (Exception)
        {
            // A completer never fails the user's typing.
            return Array.Empty<CompletionResult>();
        }
    }

    private static CommandInfo? Find(string name)
    {
        using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
        shell.AddCommand("Microsoft.PowerShell.Core\\Get-Command").AddParameter("Name", name).AddParameter("ErrorAction", "Ignore");
        return shell.Invoke().Select(o => o.BaseObject).OfType<CommandInfo>().FirstOrDefault();
    }
}
