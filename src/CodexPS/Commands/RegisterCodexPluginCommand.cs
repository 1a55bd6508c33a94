using System.Management.Automation;
using CodexPS.Engine;
using CodexPS.Engine.Plugins;

namespace CodexPS.Commands;

/// <summary>
/// Registers a plugin with a runtime: a .NET type or object implementing ICodexPlugin, script blocks, or one of
/// the shipped plugins (-Redact, -AuditLogPath). Plugins see every event of every turn, in registration order.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "CodexPlugin", DefaultParameterSetName = PluginSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(CodexPluginRegistration))]
public sealed class RegisterCodexPluginCommand : CodexCmdlet
{
    private const string PluginSet = "Plugin";
    private const string ScriptSet = "ScriptBlock";
    private const string RedactSet = "Redact";
    private const string AuditSet = "AuditLog";

    /// <summary>A [Type] implementing ICodexPlugin (created with -ArgumentList), or an object implementing it.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PluginSet)]
    [ValidateNotNull]
    public object? InputObject { get; set; }

    /// <summary>The arguments for the type's constructor.</summary>
    [Parameter(ParameterSetName = PluginSet)]
    public object[]? ArgumentList { get; set; }

    /// <summary>The name to register under: required for script blocks; otherwise the plugin's own Name (Redactor, AuditLog).</summary>
    [Parameter(ParameterSetName = PluginSet)]
    [Parameter(Mandatory = true, ParameterSetName = ScriptSet)]
    [Parameter(ParameterSetName = RedactSet)]
    [Parameter(ParameterSetName = AuditSet)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Called for each event with the event as $_; output of a CodexEvent replaces the event.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ScriptSet)]
    public ScriptBlock? OnEvent { get; set; }

    /// <summary>Called once now with the context ($_): the runtime and a WriteWarning method.</summary>
    [Parameter(ParameterSetName = ScriptSet)]
    public ScriptBlock? OnInitialize { get; set; }

    /// <summary>Called once when the plugin is unregistered, its runtime disconnected or the module removed.</summary>
    [Parameter(ParameterSetName = ScriptSet)]
    public ScriptBlock? OnCleanup { get; set; }

    /// <summary>Registers the shipped redactor: text matching these regular expressions is masked before output and recording.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RedactSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Redact { get; set; }

    /// <summary>What each match of -Redact is replaced with.</summary>
    [Parameter(ParameterSetName = RedactSet)]
    [ValidateNotNull]
    public string Mask { get; set; } = "***";

    /// <summary>Registers the shipped audit log: one JSON line per event appended to this file.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AuditSet)]
    [ValidateNotNullOrEmpty]
    public string? AuditLogPath { get; set; }

    /// <summary>The named runtime (Connect-Codex -Name) whose turns the plugin sees; default: the default runtime.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Runtime { get; set; }

    /// <inheritdoc/>
    protected override string? RuntimeName => Runtime;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var (plugin, onPipelineThread, target) = CreatePlugin();
        if (plugin is null)
        {
            return;
        }

        var name = Name ?? plugin.Name;
        if (!ShouldProcess($"plugin '{name}' ({Describe(plugin)}) of runtime '{Runtime ?? RuntimeRegistry.DefaultName}'", "Register"))
        {
            return;
        }

        CodexPS.Engine.Conversations.CodexClient client;
        try
        {
            client = GetClient();
        }
        catch (CodexErrorRecordException ex)
        {
            // -Runtime names no connected runtime, or the runtime cannot start: the runtime is what is wrong.
            WriteError(ToErrorRecord(ex, Runtime ?? RuntimeRegistry.DefaultName));
            return;
        }

        CodexPluginRegistration registration;
        try
        {
            var set = client.Plugins;
            if (set.Find(name) is not null)
            {
                WriteError(NewError("CodexPluginAlreadyRegistered", ErrorCategory.ResourceExists, name,
                    $"A plugin named '{name}' is already registered with runtime '{set.RuntimeName}'; unregister it first (Unregister-CodexPlugin) or choose another name with -Name."));
                return;
            }

            registration = set.Add(plugin, name, onPipelineThread);
        }
        catch (CodexException ex) when (ex.ErrorId == "CodexPluginAlreadyRegistered")
        {
            WriteError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.ResourceExists, name));
            return;
        }
        catch (CodexException ex) when (ex.ErrorId == "CodexPluginInitializeFailed")
        {
            WriteError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidOperation, target));
            return;
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            WriteError(ToErrorRecord(ex, target));
            return;
        }
        finally
        {
            WriteClientWarnings(RuntimeRegistry.ClientFor(Runtime));
        }

        WriteVerbose($"Plugin '{registration.Name}' registered as number {registration.Order} of runtime '{registration.Runtime}'.");
        WriteObject(registration);
    }

    /// <summary>
    /// A PowerShell class runs its methods in the runspace that defined it: called from the engine's reader
    /// thread while that runspace waits for the turn's events, it would never run. Such plugins are called on the
    /// pipeline thread, like script blocks. (PowerShell emits its classes into dynamic assemblies; Add-Type does not.)
    /// </summary>
    private static bool IsPowerShellClass(Type type) => type.Assembly.IsDynamic;

    private static string Describe(ICodexPlugin plugin) => plugin is IDescribedPlugin described ? described.TypeName : plugin.GetType().FullName ?? plugin.GetType().Name;

    /// <summary>The plugin the parameters describe, with the object an error would concern; null plugin after an error.</summary>
    private (ICodexPlugin? Plugin, bool OnPipelineThread, object? Target) CreatePlugin()
    {
        switch (ParameterSetName)
        {
            case ScriptSet:
                return (new CodexScriptBlockPlugin(Name!, OnInitialize, OnEvent!, OnCleanup), true, OnEvent);
            case RedactSet:
                foreach (var pattern in Redact!)
                {
                    try
                    {
                        _ = new System.Text.RegularExpressions.Regex(pattern);
                    }
                    catch (ArgumentException ex)
                    {
                        WriteError(new ErrorRecord(new CodexException("CodexPluginPatternInvalid", $"'{pattern}' is not a valid regular expression: {ex.Message}", ex),
                            "CodexPluginPatternInvalid", ErrorCategory.InvalidArgument, pattern));
                        return (null, false, null);
                    }
                }

                return (new RedactorPlugin(Redact!, Mask, Name ?? "Redactor"), false, Redact);
            case AuditSet:
                var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(AuditLogPath!);
                return (new AuditLogPlugin(path, Name ?? "AuditLog"), false, AuditLogPath);
        }

        var input = InputObject is PSObject wrapped ? wrapped.BaseObject : InputObject;
        switch (input)
        {
            case ICodexPlugin instance:
                return (instance, IsPowerShellClass(instance.GetType()), input);
            case Type type when typeof(ICodexPlugin).IsAssignableFrom(type) && !type.IsAbstract && !type.IsInterface:
                try
                {
                    var created = (ICodexPlugin)Activator.CreateInstance(type, (ArgumentList ?? Array.Empty<object>()).Select(a => a is PSObject p ? p.BaseObject : a).ToArray())!;
                    return (created, IsPowerShellClass(type), input);
                }
                catch (Exception ex) when (ex is MissingMethodException or System.Reflection.TargetInvocationException or ArgumentException or MemberAccessException)
                {
                    var reason = ex is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner.Message : ex.Message;
                    WriteError(new ErrorRecord(new CodexException("CodexPluginCreateFailed", $"Could not create a {type.FullName}: {reason}", ex),
                        "CodexPluginCreateFailed", ErrorCategory.InvalidArgument, input));
                    return (null, false, null);
                }

            default:
                var what = input is Type t ? $"The type {t.FullName}" : $"A {input?.GetType().FullName ?? "null"}";
                WriteError(new ErrorRecord(
                    new CodexException("CodexPluginTypeInvalid", $"{what} is not a plugin: pass a [Type] or an object implementing {typeof(ICodexPlugin).FullName} (a class that is neither abstract nor an interface), or use -OnEvent, -Redact or -AuditLogPath."),
                    "CodexPluginTypeInvalid", ErrorCategory.InvalidType, input));
                return (null, false, null);
        }
    }
}
