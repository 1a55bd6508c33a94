namespace CodexPS.Engine.Runtime.Install;

/// <summary>The step an installation is at, for progress.</summary>
public enum CodexRuntimeInstallPhase
{
    /// <summary>Asking the registry for the version's integrity (a version other than the pinned one).</summary>
    Resolving,

    /// <summary>Downloading the archive to a temporary file.</summary>
    Downloading,

    /// <summary>Extracting the verified archive into a temporary folder beside the destination.</summary>
    Extracting,

    /// <summary>Renaming the extracted runtime into place.</summary>
    Installing,
}
