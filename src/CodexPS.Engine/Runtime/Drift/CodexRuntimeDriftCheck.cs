using System.Text.Json;
using CodexPS.Engine.Runtime.Install;

namespace CodexPS.Engine.Runtime.Drift;

/// <summary>
/// Judges a runtime binary outside the supported range: its own schema (generated once per binary, then cached) is
/// compared with the pinned one in what CodexPS uses. Inside the range nothing is checked: CI tests both ends.
/// </summary>
public sealed class CodexRuntimeDriftCheck
{
    private readonly string? _cachePath;
    private readonly bool _cacheGiven;
    private readonly Func<string, TimeSpan, CancellationToken, Task<CodexRuntimeSchema>> _generate;
    private readonly Func<JsonElement, CodexProtocolDrift> _compare;
    private readonly Func<string> _fingerprint;

    /// <summary>The check the client and the doctor use: the per-user cache, the real binary, the embedded surface.</summary>
    public static CodexRuntimeDriftCheck Default { get; } = new();

    private CodexRuntimeDriftCheck()
        : this(null, false, CodexRuntimeSchemaGenerator.GenerateAsync, CodexProtocolSurface.CompareWithPinned, () => CodexProtocolSurface.Fingerprint)
    {
    }

    /// <summary>A check with its own cache file, schema source and comparison (tests).</summary>
    internal CodexRuntimeDriftCheck(
        string? cachePath,
        Func<string, TimeSpan, CancellationToken, Task<CodexRuntimeSchema>>? generate = null,
        Func<JsonElement, CodexProtocolDrift>? compare = null,
        string fingerprint = "test")
        : this(cachePath, true, generate ?? CodexRuntimeSchemaGenerator.GenerateAsync, compare ?? CodexProtocolSurface.CompareWithPinned, () => fingerprint)
    {
    }

    private CodexRuntimeDriftCheck(string? cachePath, bool cacheGiven, Func<string, TimeSpan, CancellationToken, Task<CodexRuntimeSchema>> generate,
        Func<JsonElement, CodexProtocolDrift> compare, Func<string> fingerprint)
    {
        _cachePath = cachePath;
        _cacheGiven = cacheGiven;
        _generate = generate;
        _compare = compare;
        _fingerprint = fingerprint;
    }

    /// <summary>How long the runtime may take to print its schema (about half a second when idle).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The cache file in use now (the per-user one is found anew on every call, like the install folder).</summary>
    public string? CachePath => _cacheGiven ? _cachePath : CodexRuntimeInstallDirectory.DriftCachePath;

    /// <summary>A runtime that is not a binary here (Connect-Codex -Uri): its schema cannot be had from this side.</summary>
    public static CodexRuntimeDriftVerdict Remote(string version) => new()
    {
        Version = version,
        Status = CodexRuntimeDriftStatus.NotChecked,
        Reason = "the runtime runs elsewhere (Connect-Codex -Uri); run Test-CodexEnvironment where it runs",
    };

    /// <summary>The verdict on <paramref name="binary"/> of <paramref name="version"/>, from the cache or its schema; throws only when cancelled.</summary>
    public async Task<CodexRuntimeDriftVerdict> CheckAsync(string binary, string version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(binary);
        ArgumentNullException.ThrowIfNull(version);
        var cache = new CodexRuntimeDriftCache(CachePath);
        var key = CodexRuntimeDriftCache.KeyOf(binary, version, _fingerprint());
        if (key is not null && cache.Find(key) is { } known)
        {
            return known;
        }

        using var schema = await _generate(binary, Timeout, cancellationToken).ConfigureAwait(false);
        CodexRuntimeDriftVerdict verdict;
        if (schema.Bundle is { } bundle)
        {
            var drift = _compare(bundle.RootElement);
            verdict = new CodexRuntimeDriftVerdict
            {
                Version = version,
                Status = drift.HasDrift ? CodexRuntimeDriftStatus.Drift : CodexRuntimeDriftStatus.NoDrift,
                Drift = drift.HasDrift ? drift : null,
            };
        }
        else
        {
            verdict = new CodexRuntimeDriftVerdict { Version = version, Status = CodexRuntimeDriftStatus.NotChecked, Reason = schema.Failure };
        }

        if (key is not null && !schema.IsTransient)
        {
            cache.Store(key, verdict);
        }

        return verdict;
    }
}
