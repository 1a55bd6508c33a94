using System.Collections;
using System.Management.Automation;

namespace CodexPS.Tools;

/// <summary>
/// Lets New-CodexTool -Command take command names as well as CommandInfo objects (Get-Command's output): a name is
/// resolved as PowerShell would run it, an alias included.
/// </summary>
public sealed class CodexToolCommandTransformation : ArgumentTransformationAttribute
{
    /// <inheritdoc/>
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var input = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (input is string or CommandInfo)
        {
            return Resolve(engineIntrinsics, input);
        }

        if (input is IEnumerable items)
        {
            return items.Cast<object?>().Select(i => Resolve(engineIntrinsics, i is PSObject p ? p.BaseObject : i)).ToArray();
        }

        return inputData;
    }

    private static object Resolve(EngineIntrinsics engine, object? input)
    {
        if (input is not string name)
        {
            return input!;
        }

        return engine.InvokeCommand.GetCommand(name, CommandTypes.All)
            ?? throw new ArgumentTransformationMetadataException($"No command named '{name}' was found. Pass a command name that Get-Command finds, or a Get-Command result.");
    }
}
