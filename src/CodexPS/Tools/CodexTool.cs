using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.Json;

namespace CodexPS.Tools;

/// <summary>
/// One tool the agent can call, made by New-CodexTool from a command or a script block: the name, description and
/// JSON Schema the model sees, and how a call runs (in the runspace that made it, on the calling thread). Immutable.
/// </summary>
public sealed class CodexTool
{
    private readonly IReadOnlyList<CodexToolParameter> _parameters;

    internal CodexTool(string name, string? ns, string description, string inputSchemaJson, bool trusted, bool supportsShouldProcess,
        ConfirmImpact confirmImpact, CodexToolOutputFormat outputFormat, int maxOutputBytes, int timeoutSec, CommandInfo? command,
        ScriptBlock? scriptBlock, string? parameterSetName, IReadOnlyList<CodexToolParameter> parameters, string[] omittedParameters, Runspace? runspace)
    {
        Name = name;
        Namespace = ns;
        Description = description;
        InputSchemaJson = inputSchemaJson;
        Trusted = trusted;
        SupportsShouldProcess = supportsShouldProcess;
        ConfirmImpact = confirmImpact;
        OutputFormat = outputFormat;
        MaxOutputBytes = maxOutputBytes;
        TimeoutSec = timeoutSec;
        Command = command;
        ScriptBlock = scriptBlock;
        ParameterSetName = parameterSetName;
        _parameters = parameters;
        OmittedParameters = omittedParameters;
        Runspace = runspace;
    }

    /// <summary>The function name the model sees: [a-zA-Z0-9_-], 1 to 64 characters.</summary>
    public string Name { get; }

    /// <summary>The namespace the tool is advertised in (tools made from several commands at once, or -Namespace); else null.</summary>
    public string? Namespace { get; }

    /// <summary>What the model reads about the tool: -Description, else the command's help synopsis, else "Runs &lt;command&gt;.".</summary>
    public string Description { get; }

    /// <summary>The JSON Schema object of the arguments the model sends.</summary>
    public string InputSchemaJson { get; }

    /// <summary>Made with -Trusted: calls never ask for consent.</summary>
    public bool Trusted { get; }

    /// <summary>
    /// Whether a call needs consent through the turn's approval path (Kind ToolCall): the command supports
    /// ShouldProcess with ConfirmImpact Medium or High, and the tool is not trusted.
    /// </summary>
    public bool RequiresConsent => SupportsShouldProcess && ConfirmImpact >= ConfirmImpact.Medium && !Trusted;

    /// <summary>The command declares SupportsShouldProcess (calls pass -Confirm:$false: consent is asked once, before the call).</summary>
    public bool SupportsShouldProcess { get; }

    /// <summary>The command's declared ConfirmImpact (Medium when it supports ShouldProcess without saying; None when it does not support it).</summary>
    public ConfirmImpact ConfirmImpact { get; }

    /// <summary>How the output becomes the text the model reads.</summary>
    public CodexToolOutputFormat OutputFormat { get; }

    /// <summary>The most UTF-8 bytes of text the model reads from one call; longer text is cut and the cut marked.</summary>
    public int MaxOutputBytes { get; }

    /// <summary>A call running longer than this many seconds is stopped and the model told so.</summary>
    public int TimeoutSec { get; }

    /// <summary>The command a call runs (aliases resolved); null for a script-block tool.</summary>
    public CommandInfo? Command { get; }

    /// <summary>The script block a call runs; null for a command tool.</summary>
    public ScriptBlock? ScriptBlock { get; }

    /// <summary>The parameter set the schema offers; null when the command has one unnamed set or the schema offers the parameters common to all sets.</summary>
    public string? ParameterSetName { get; }

    /// <summary>Parameters left out of the schema because their type has no JSON mapping.</summary>
    public string[] OmittedParameters { get; }

    /// <summary>The runspace New-CodexTool ran in; a call runs only there.</summary>
    public Runspace? Runspace { get; }

    /// <summary>The parameter names the schema offers, in order.</summary>
    public string[] ParameterNames => _parameters.Select(p => p.Name).ToArray();

    /// <summary>
    /// The model's JSON arguments (an object) bound by name, as the parameter dictionary the call would use (for the
    /// consent prompt). On a problem visible without running (not an object, an unknown name, a missing required
    /// one, a JSON kind that cannot be converted) null, with the text the model should read in <paramref name="error"/>.
    /// </summary>
    public IDictionary? PrepareArguments(JsonElement arguments, out string? error) =>
        CodexToolArguments.Prepare(Name, _parameters, arguments, out error);

    /// <summary>
    /// Runs one call in the current runspace on the calling thread and returns its outcome; never throws for the
    /// tool's own failures. Refuses when the current runspace is not <see cref="Runspace"/>. Stops the call when
    /// <paramref name="cancellationToken"/> is cancelled or <see cref="TimeoutSec"/> passes.
    /// </summary>
    public CodexToolCallOutcome Invoke(JsonElement arguments, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var current = Runspace.DefaultRunspace;
        if (current is null || !ReferenceEquals(current, Runspace))
        {
            var where = current is null ? "a thread with no PowerShell runspace" : $"runspace {current.Id}";
            return new CodexToolCallOutcome(
                $"The tool '{Name}' was not run: it runs only in the runspace that made it (runspace {Runspace?.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}), and it was called from {where}.",
                false, watch.Elapsed, false, false);
        }

        var bound = PrepareArguments(arguments, out var error);
        if (bound is null)
        {
            return new CodexToolCallOutcome(error!, false, watch.Elapsed, false, false);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return new CodexToolCallOutcome("The tool was stopped before it started (the user or the turn stopped it).", false, watch.Elapsed, false, true);
        }

        using var call = new CodexToolCall(this, cancellationToken);
        return call.Run(bound, watch);
    }

    /// <inheritdoc/>
    public override string ToString() => Namespace is null ? Name : Namespace + "." + Name;
}
