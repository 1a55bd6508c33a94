namespace CodexPS.Engine.Runtime.Install;

/// <summary>Where the sha512 a runtime download was checked against came from.</summary>
public enum CodexRuntimeIntegritySource
{
    /// <summary>Recorded when CodexPS was built, from native/package-lock.json (the pinned version).</summary>
    BuildTime,

    /// <summary>The registry's own dist.integrity for the version, fetched over HTTPS (any other version).</summary>
    Registry,
}
