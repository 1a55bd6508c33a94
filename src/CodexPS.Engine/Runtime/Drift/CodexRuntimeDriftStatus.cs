namespace CodexPS.Engine.Runtime.Drift;

/// <summary>Whether a runtime outside the supported range differs from the pinned one in what CodexPS uses.</summary>
public enum CodexRuntimeDriftStatus
{
    /// <summary>Its schema matches the pinned schema in every method and type CodexPS uses.</summary>
    NoDrift,

    /// <summary>Something CodexPS uses differs (see the verdict's Drift).</summary>
    Drift,

    /// <summary>Its schema could not be had (a runtime elsewhere, an old binary without generate-json-schema, a time-out).</summary>
    NotChecked,
}
