using System.Text.Json;

namespace CodexPS.Engine.Runtime.Drift;

/// <summary>
/// A runtime's own protocol schema bundle, or why there is none. Transient failures (a time-out) are not remembered
/// for the binary; the others (no such command, a failed run, an unreadable bundle) are.
/// </summary>
public sealed class CodexRuntimeSchema : IDisposable
{
    private CodexRuntimeSchema(JsonDocument? bundle, string? failure, bool transient)
    {
        Bundle = bundle;
        Failure = failure;
        IsTransient = transient;
    }

    /// <summary>The parsed codex_app_server_protocol.schemas.json; null when it could not be had.</summary>
    public JsonDocument? Bundle { get; }

    /// <summary>Why there is no bundle; null when there is one.</summary>
    public string? Failure { get; }

    /// <summary>True when trying again later could succeed (a time-out), so the failure is not cached.</summary>
    public bool IsTransient { get; }

    /// <summary>A bundle that was generated.</summary>
    public static CodexRuntimeSchema Of(JsonDocument bundle) => new(bundle ?? throw new ArgumentNullException(nameof(bundle)), null, false);

    /// <summary>No bundle, and why.</summary>
    public static CodexRuntimeSchema Failed(string failure, bool transient = false) => new(null, failure, transient);

    /// <inheritdoc/>
    public void Dispose() => Bundle?.Dispose();
}
