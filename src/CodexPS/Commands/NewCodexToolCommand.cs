using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using CodexPS.Completers;
using CodexPS.Tools;

namespace CodexPS.Commands;

/// <summary>
/// Makes tools the agent can call from PowerShell commands or a script block: name, description and JSON Schema come
/// from the command's own metadata and help; a call binds the model's arguments by name through PowerShell's binder.
/// </summary>
[Cmdlet(VerbsCommon.New, "CodexTool", DefaultParameterSetName = CommandSet)]
[OutputType(typeof(CodexTool))]
public sealed class NewCodexToolCommand : CodexCmdlet
{
    private const string CommandSet = "Command";
    private const string ScriptBlockSet = "ScriptBlock";

    /// <summary>
    /// Constant scripts: the help of a command, and the metadata and help of a script block (through a function that
    /// lives only in the script's own scope).
    /// </summary>
    private const string CommandHelpScript = "param($__codexToolCommand) Microsoft.PowerShell.Core\\Get-Help -Name $__codexToolCommand -ErrorAction Ignore";

    private const string ScriptBlockMetadataScript = "param($__codexToolScript) " +
        "Microsoft.PowerShell.Management\\Set-Item -LiteralPath function:__CodexToolScriptBlock -Value $__codexToolScript; " +
        "Microsoft.PowerShell.Core\\Get-Command -Name __CodexToolScriptBlock -CommandType Function; " +
        "Microsoft.PowerShell.Core\\Get-Help -Name __CodexToolScriptBlock -ErrorAction Ignore";

    private readonly List<CommandInfo> _commands = new();

    /// <summary>The commands to make tools of (Get-Command output or names); binds from the pipeline.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = CommandSet)]
    [CodexToolCommandTransformation]
    [ValidateNotNullOrEmpty]
    public CommandInfo[]? Command { get; set; }

    /// <summary>The tool's name as the model sees it; for -Command, only with one command (default: the command's name).</summary>
    [Parameter(ParameterSetName = CommandSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ScriptBlockSet)]
    public string? Name { get; set; }

    /// <summary>What the model reads about the tool (default: the help synopsis, else "Runs &lt;name&gt;.").</summary>
    [Parameter]
    public string? Description { get; set; }

    /// <summary>The script block a call runs; its param() block gives the schema.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ScriptBlockSet)]
    public ScriptBlock? ScriptBlock { get; set; }

    /// <summary>The namespace the tools are advertised in; default for several commands: their common module's name.</summary>
    [Parameter]
    public string? Namespace { get; set; }

    /// <summary>The parameter set the schema offers (default: the command's default set).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ParameterSetNameCompleter))]
    [ValidateNotNullOrEmpty]
    public new string? ParameterSetName { get; set; }

    /// <summary>How the output becomes the text the model reads.</summary>
    [Parameter]
    public CodexToolOutputFormat OutputFormat { get; set; } = CodexToolOutputFormat.Json;

    /// <summary>The most UTF-8 bytes of text the model reads from one call.</summary>
    [Parameter]
    [ValidateRange(256, 16 * 1024 * 1024)]
    public int MaxOutputBytes { get; set; } = 65536;

    /// <summary>Seconds a call may run before it is stopped.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 60;

    /// <summary>Calls never ask for consent, even when the command declares ConfirmImpact Medium or High.</summary>
    [Parameter]
    public SwitchParameter Trusted { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (base.ParameterSetName == CommandSet)
        {
            foreach (var command in Command ?? Array.Empty<CommandInfo>())
            {
                _commands.Add(command);
            }
        }
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        var drafts = base.ParameterSetName == ScriptBlockSet ? DraftScriptBlock() : DraftCommands();
        if (drafts is null)
        {
            return;
        }

        var clashes = drafts.GroupBy(d => (d.Namespace ?? string.Empty, d.Name.ToUpperInvariant())).Where(g => g.Count() > 1).ToArray();
        foreach (var clash in clashes)
        {
            var first = clash.First();
            WriteError(NewError("CodexToolNameDuplicate", ErrorCategory.InvalidArgument, first.Name,
                $"Several tools would be named '{first.Name}'" + (first.Namespace is null ? string.Empty : $" in namespace '{first.Namespace}'") +
                $" ({string.Join(", ", clash.Select(d => d.Source))}); the model could not tell them apart. Make them in separate calls with -Name."));
        }

        if (clashes.Length > 0)
        {
            return;
        }

        foreach (var draft in drafts)
        {
            WriteObject(draft.Tool);
        }
    }

    /// <summary>The tools of the collected commands, or null after writing every problem (then none is made).</summary>
    private List<(string Name, string? Namespace, string Source, CodexTool Tool)>? DraftCommands()
    {
        var ok = true;
        if (Name is not null && _commands.Count > 1)
        {
            WriteError(NewError("CodexToolNameAmbiguous", ErrorCategory.InvalidArgument, Name,
                $"-Name names one tool, but {_commands.Count} commands were given; leave -Name out (each tool is named after its command) or make the tools one at a time."));
            return null;
        }

        var resolved = new List<CommandInfo>();
        foreach (var given in _commands)
        {
            var command = given is AliasInfo alias ? alias.ResolvedCommand : given;
            if (command is not (CmdletInfo or FunctionInfo or ExternalScriptInfo))
            {
                WriteError(NewError("CodexToolCommandTypeUnsupported", ErrorCategory.InvalidType, given,
                    $"'{given.Name}' is {(command is null ? "an alias whose command is not found" : "a command of type " + command.CommandType)}; a tool is made from a cmdlet, a function or a script (.ps1). Wrap anything else in a function."));
                ok = false;
                continue;
            }

            // Get-Command -Module lists a module's aliases beside their commands: one command is one tool.
            if (resolved.Any(r => r.CommandType == command.CommandType && string.Equals(r.Name, command.Name, StringComparison.OrdinalIgnoreCase)
                && string.Equals(r.ModuleName, command.ModuleName, StringComparison.OrdinalIgnoreCase)))
            {
                WriteVerbose($"'{given.Name}' is '{command.Name}', already given; it makes one tool.");
                continue;
            }

            resolved.Add(command);
        }

        var ns = ChooseNamespace(resolved, ref ok);
        var drafts = new List<(string, string?, string, CodexTool)>();
        foreach (var command in resolved)
        {
            var name = Name ?? CodexToolNames.Map(command is ExternalScriptInfo ? Path.GetFileNameWithoutExtension(command.Name) : command.Name);
            if (!CheckName(name, Name is not null ? Name : command, ref ok))
            {
                continue;
            }

            var help = ReadHelp(RunHelpScript(CommandHelpScript, command is ExternalScriptInfo script ? script.Path : command.Name), command.Name);
            var (supports, impact) = ShouldProcessOf(command);
            var tool = Draft(command, command, null, name, ns, help, supports, impact, "Runs " + command.Name + ".", ref ok);
            if (tool is not null)
            {
                drafts.Add((name, ns, command.Name, tool));
            }
        }

        return ok ? drafts : null;
    }

    private List<(string Name, string? Namespace, string Source, CodexTool Tool)>? DraftScriptBlock()
    {
        var ok = true;
        var ns = ChooseNamespace(Array.Empty<CommandInfo>(), ref ok);
        if (!CheckName(Name!, Name!, ref ok))
        {
            return null;
        }

        var results = RunHelpScript(ScriptBlockMetadataScript, ScriptBlock!);
        if (results.Select(r => r?.BaseObject).OfType<FunctionInfo>().FirstOrDefault() is not { } function)
        {
            WriteError(NewError("CodexToolMetadataUnreadable", ErrorCategory.InvalidData, ScriptBlock,
                $"The param() block of the script block for tool '{Name}' could not be read (a type it names may not be loaded)."));
            return null;
        }

        var help = ReadHelp(results, "__CodexToolScriptBlock");
        var binding = ScriptBlock!.Attributes.OfType<CmdletBindingAttribute>().FirstOrDefault();
        var tool = Draft(function, ScriptBlock, ScriptBlock, Name!, ns, help, binding?.SupportsShouldProcess == true,
            binding?.SupportsShouldProcess == true ? binding.ConfirmImpact : ConfirmImpact.None, "Runs " + Name + ".", ref ok);
        return ok && tool is not null ? new() { (Name!, ns, "script block", tool) } : null;
    }

    /// <summary>One tool from a command's metadata; null after writing why not.</summary>
    private CodexTool? Draft(CommandInfo metadata, object target, ScriptBlock? scriptBlock, string name, string? ns,
        (string? Synopsis, Dictionary<string, string> Parameters) help, bool supportsShouldProcess, ConfirmImpact impact, string fallbackDescription, ref bool ok)
    {
        IReadOnlyList<CodexToolParameterSource>? sources;
        string? set;
        try
        {
            sources = CodexToolSchema.ParametersOf(metadata, ParameterSetName, out set);
        }
        catch (Exception ex) when (ex is RuntimeException or InvalidOperationException or ArgumentException)
        {
            WriteError(NewError("CodexToolMetadataUnreadable", ErrorCategory.InvalidData, target,
                $"The parameters of '{name}' could not be read: {ex.Message}", ex));
            ok = false;
            return null;
        }

        if (sources is null)
        {
            var sets = string.Join(", ", metadata.ParameterSets.Select(s => s.Name).Where(n => n != "__AllParameterSets"));
            WriteError(NewError("CodexToolParameterSetNotFound", ErrorCategory.ObjectNotFound, ParameterSetName,
                $"'{name}' has no parameter set named '{ParameterSetName}'" + (sets.Length > 0 ? $"; its sets are: {sets}." : "; it has no named sets.")));
            ok = false;
            return null;
        }

        var parameters = new List<CodexToolParameter>();
        var omitted = new List<CodexToolParameterSource>();
        var schema = CodexToolSchema.Build(sources, help.Parameters, parameters, omitted);
        foreach (var left in omitted)
        {
            if (left.IsMandatory)
            {
                WriteError(NewError("CodexToolParameterUnsupported", ErrorCategory.InvalidArgument, target,
                    $"'{name}' cannot be a tool: its mandatory parameter -{left.Name} is of type [{left.Type.FullName}], which has no JSON Schema mapping, so the model could never call it" +
                    (ParameterSetName is null ? "." : ". Choose another parameter set with -ParameterSetName.") + " Wrap the command in a function whose parameters take strings, numbers, booleans, arrays or hashtables."));
                ok = false;
                return null;
            }

            WriteWarning($"The parameter -{left.Name} of '{name}' is left out of the tool: its type [{left.Type.FullName}] has no JSON Schema mapping.");
        }

        var description = !string.IsNullOrWhiteSpace(Description) ? Description!.Trim() : help.Synopsis ?? fallbackDescription;
        return new CodexTool(name, ns, description, schema, Trusted.IsPresent, supportsShouldProcess, impact, OutputFormat, MaxOutputBytes, TimeoutSec,
            scriptBlock is null ? metadata : null, scriptBlock, set, parameters, omitted.Select(o => o.Name).ToArray(), Runspace.DefaultRunspace);
    }

    /// <summary>-Namespace checked; for several commands without it, their common module's name; null for one command without it.</summary>
    private string? ChooseNamespace(IReadOnlyList<CommandInfo> commands, ref bool ok)
    {
        if (Namespace is not null)
        {
            if (!CodexToolNames.IsValid(Namespace, CodexToolNames.MaxNamespaceLength))
            {
                WriteError(NewError("CodexToolNameInvalid", ErrorCategory.InvalidArgument, Namespace,
                    $"The namespace '{Namespace}' is not one the runtime accepts: 1 to {CodexToolNames.MaxNamespaceLength} characters of letters, digits, '_' and '-'."));
                ok = false;
                return null;
            }

            if (CodexToolNames.IsReservedNamespace(Namespace))
            {
                WriteError(NewError("CodexToolNameReserved", ErrorCategory.InvalidArgument, Namespace,
                    $"The namespace '{Namespace}' is reserved by the codex runtime or the Responses API; choose another with -Namespace."));
                ok = false;
                return null;
            }

            return Namespace;
        }

        if (commands.Count <= 1)
        {
            return null;
        }

        var modules = commands.Select(c => c.ModuleName ?? string.Empty).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var mapped = modules.Length == 1 && modules[0].Length > 0 ? CodexToolNames.Map(modules[0]) : null;
        if (mapped is null || !CodexToolNames.IsValid(mapped, CodexToolNames.MaxNamespaceLength) || CodexToolNames.IsReservedNamespace(mapped))
        {
            WriteError(NewError("CodexToolNamespaceRequired", ErrorCategory.InvalidArgument, commands.Select(c => c.Name).ToArray(),
                mapped is null
                    ? $"{commands.Count} commands from {(modules.Length == 1 ? "no module" : "different modules (" + string.Join(", ", modules.Select(m => m.Length == 0 ? "none" : m)) + ")")} make one namespace of tools; name it with -Namespace."
                    : $"The module name '{modules[0]}' cannot name the namespace of its tools; name it with -Namespace."));
            ok = false;
            return null;
        }

        return mapped;
    }

    private bool CheckName(string name, object target, ref bool ok)
    {
        if (!CodexToolNames.IsValid(name, CodexToolNames.MaxNameLength))
        {
            WriteError(NewError("CodexToolNameInvalid", ErrorCategory.InvalidArgument, target,
                $"'{name}' is not a tool name the runtime accepts: 1 to {CodexToolNames.MaxNameLength} characters of letters, digits, '_' and '-'. Name the tool with -Name."));
            ok = false;
            return false;
        }

        if (CodexToolNames.IsReservedName(name))
        {
            WriteError(NewError("CodexToolNameReserved", ErrorCategory.InvalidArgument, target,
                $"'{name}' is the name of one of the codex runtime's own tools; name the tool otherwise with -Name."));
            ok = false;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Runs one of the constant metadata scripts in a scope of its own; help is a nicety, so a failure (a type the
    /// command names that is not loaded, a broken help file) gives what came before it, or nothing.
    /// </summary>
    private Collection<PSObject> RunHelpScript(string script, object argument)
    {
        try
        {
            return InvokeCommand.InvokeScript(true, System.Management.Automation.ScriptBlock.Create(script), null, argument);
        }
        catch (RuntimeException ex)
        {
            WriteVerbose($"The help of '{argument}' could not be read: {ex.Message}");
            return new Collection<PSObject>();
        }
    }

    /// <summary>Whether the command declares SupportsShouldProcess, and its ConfirmImpact (None when it does not).</summary>
    private static (bool Supports, ConfirmImpact Impact) ShouldProcessOf(CommandInfo command)
    {
        if (command is CmdletInfo cmdlet)
        {
            var attribute = cmdlet.ImplementingType?.GetCustomAttribute<CmdletAttribute>();
            return attribute is { SupportsShouldProcess: true } ? (true, attribute.ConfirmImpact) : (false, ConfirmImpact.None);
        }

        var block = command switch
        {
            FunctionInfo function => function.ScriptBlock,
            ExternalScriptInfo script => script.ScriptBlock,
            _ => null,
        };
        var binding = block?.Attributes.OfType<CmdletBindingAttribute>().FirstOrDefault();
        return binding is { SupportsShouldProcess: true } ? (true, binding.ConfirmImpact) : (false, ConfirmImpact.None);
    }

    /// <summary>
    /// The help's synopsis (null when it is only the generated syntax, which is what Get-Help gives a command without
    /// help) and each parameter's description.
    /// </summary>
    private static (string? Synopsis, Dictionary<string, string> Parameters) ReadHelp(IEnumerable<PSObject> results, string commandName)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var help = results.FirstOrDefault(r => r?.BaseObject is not CommandInfo && r?.Properties["Synopsis"] is not null);
        if (help is null)
        {
            return (null, parameters);
        }

        var synopsis = (help.Properties["Synopsis"]?.Value?.ToString() ?? string.Empty).Trim();
        if (synopsis.Length == 0 || synopsis.Equals(commandName, StringComparison.OrdinalIgnoreCase)
            || synopsis.StartsWith(commandName + " ", StringComparison.OrdinalIgnoreCase) || synopsis.StartsWith(commandName + "\n", StringComparison.OrdinalIgnoreCase)
            || synopsis.StartsWith(commandName + "\r", StringComparison.OrdinalIgnoreCase) || synopsis.StartsWith(commandName + " [", StringComparison.OrdinalIgnoreCase))
        {
            synopsis = string.Empty;
        }

        foreach (var parameter in Items(Property(Property(help, "parameters"), "parameter")))
        {
            var name = Property(parameter, "name")?.ToString();
            var text = string.Join(" ", Items(Property(parameter, "description")).Select(d => Property(d, "Text")?.ToString()?.Trim()).Where(t => !string.IsNullOrEmpty(t)));
            if (!string.IsNullOrEmpty(name) && text.Length > 0)
            {
                parameters[name] = text;
            }
        }

        return (synopsis.Length == 0 ? null : synopsis, parameters);
    }

    private static object? Property(object? value, string name) =>
        value is null ? null : PSObject.AsPSObject(value).Properties[name]?.Value;

    private static IEnumerable<object> Items(object? value)
    {
        value = value is PSObject pso ? pso.BaseObject is System.Collections.IEnumerable and not string ? pso.BaseObject : pso : value;
        return value switch
        {
            null => Array.Empty<object>(),
            string => new[] { value },
            System.Collections.IEnumerable many => many.Cast<object>(),
            _ => new[] { value },
        };
    }
}
