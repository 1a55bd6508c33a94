namespace CodexPS.Engine.Runtime.Install;

/// <summary>
/// Install-CodexRuntime could not install the runtime; nothing was installed and a runtime installed before is
/// untouched. Target is the item at fault: the version, the registry, the download address or the folder.
/// </summary>
public sealed class CodexRuntimeInstallException : CodexException
{
    /// <summary>Creates the error with its stable id and the item it concerns.</summary>
    public CodexRuntimeInstallException(string errorId, string message, object target, Exception? inner = null)
        : base(errorId, message, inner)
    {
        Target = target;
    }

    /// <summary>The version, registry, download address or folder the failure concerns.</summary>
    public object Target { get; }
}
