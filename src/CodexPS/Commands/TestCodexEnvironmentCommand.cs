using System.Collections;
using System.Management.Automation;
using System.Text.Json;
using CodexPS.Engine.Diagnostics;
using CodexPS.Engine.Mock;
using CodexPS.Engine.Runtime;

namespace CodexPS.Commands;

/// <summary>
/// The doctor: checks what a first answer needs, one CodexEnvironmentCheck per check (runtime and version, sandbox,
/// CODEX_HOME, config, login, model endpoint, each MCP server). With settings given it examines a runtime of its own
/// started with them; otherwise the connected runtime (or, when none is connected, the one Connect-Codex would start).
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "CodexEnvironment")]
[OutputType(typeof(CodexEnvironmentCheck))]
[OutputType(typeof(bool))]
public sealed class TestCodexEnvironmentCommand : CodexCmdlet
{
    /// <summary>The connected runtime to examine (Connect-Codex -Name); ignored when settings are given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Runtime { get; set; }

    /// <summary>The codex binary to examine, as Connect-Codex -CodexPath.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CodexPath { get; set; }

    /// <summary>The CODEX_HOME to examine, as Connect-Codex -CodexHome.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CodexHome { get; set; }

    /// <summary>A mock endpoint from Start-CodexMockProvider as the model provider, as Connect-Codex -MockProvider.</summary>
    [Parameter]
    public MockModelServer? MockProvider { get; set; }

    /// <summary>An OpenAI-Responses-compatible endpoint as the model provider, as Connect-Codex -BaseUrl.</summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? BaseUrl { get; set; }

    /// <summary>The environment variable the provider's key is read from, as Connect-Codex -ApiKeyEnvironmentVariable.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ApiKeyEnvironmentVariable { get; set; }

    /// <summary>Runtime config overrides, as Connect-Codex -Config.</summary>
    [Parameter]
    public Hashtable? Config { get; set; }

    /// <summary>How long the model endpoint may take to answer (default 5 seconds).</summary>
    [Parameter]
    [ValidateRange(1, 300)]
    public int TimeoutSec { get; set; } = 5;

    /// <summary>Returns only $true (no check failed) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <inheritdoc/>
    protected override string? RuntimeName => Runtime;

    private bool SettingsGiven =>
        CodexPath is not null || CodexHome is not null || MockProvider is not null || BaseUrl is not null || ApiKeyEnvironmentVariable is not null || Config is not null;

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        if (MockProvider is { IsRunning: false })
        {
            ThrowTerminatingError(NewError("CodexMockProviderStopped", ErrorCategory.InvalidArgument, MockProvider, $"The mock provider at {MockProvider.BaseUrl} was stopped."));
        }

        if (BaseUrl is not null && (!BaseUrl.IsAbsoluteUri || BaseUrl.Scheme is not ("http" or "https")))
        {
            ThrowTerminatingError(NewError("CodexBaseUrlInvalid", ErrorCategory.InvalidArgument, BaseUrl, $"'{BaseUrl}' is not an http or https URL."));
        }

        if (BaseUrl is not null && MockProvider is not null)
        {
            ThrowTerminatingError(NewError("CodexProviderConflict", ErrorCategory.InvalidArgument, BaseUrl, "Give either -MockProvider or -BaseUrl, not both."));
        }

        var options = new CodexEnvironmentDoctorOptions
        {
            EndpointTimeout = TimeSpan.FromSeconds(TimeoutSec),
            ConfigSchema = ConfigSchema.Value,
        };

        var connected = !SettingsGiven ? RuntimeRegistry.Find(Runtime) : null;
        if (!SettingsGiven && Runtime is not null && connected is null)
        {
            ThrowTerminatingError(NewError("CodexRuntimeNotFound", ErrorCategory.ObjectNotFound, Runtime, $"No runtime named '{Runtime}' was connected in this session."));
        }

        if (connected is { Client: not null } || connected?.Settings.Uri is not null)
        {
            // The connected runtime is examined as it runs (a remote one can be examined only this way).
            WriteVerbose($"Examining the connected runtime '{connected.Name}'.");
            options = new CodexEnvironmentDoctorOptions { Connected = GetClient(), EndpointTimeout = options.EndpointTimeout, ConfigSchema = options.ConfigSchema };
        }
        else
        {
            var settings = RuntimeRegistry.Pin(connected?.Settings ?? new CodexRuntimeSettings
            {
                CodexPath = CodexPath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CodexPath),
                CodexHome = CodexHome is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CodexHome),
                MockProvider = MockProvider,
                Config = Config,
                ApiKeyEnvironmentVariable = ApiKeyEnvironmentVariable,
                BaseUrl = BaseUrl,
                WorkingDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath,
            });
            var client = settings.ToClientOptions();
            client.SearchRoots.Add(RuntimeRegistry.ModuleDirectory);

            // The doctor's own runtime writes no protocol log of the session's and feeds no session metrics.
            client.LogPath = null;
            WriteVerbose($"Starting a runtime of its own with CODEX_HOME {settings.CodexHome} to examine.");
            options = new CodexEnvironmentDoctorOptions { Client = client, EndpointTimeout = options.EndpointTimeout, ConfigSchema = options.ConfigSchema };
        }

        IReadOnlyList<CodexEnvironmentCheck> checks;
        try
        {
            checks = Await(CodexEnvironmentDoctor.RunAsync(options, CancellationToken));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            ThrowTerminatingError(ToErrorRecord(ex, (object?)CodexHome ?? Runtime ?? RuntimeRegistry.DefaultName));
            return;
        }

        if (Quiet)
        {
            WriteObject(!checks.Any(c => c.Status == CodexCheckStatus.Fail));
            return;
        }

        foreach (var check in checks)
        {
            WriteObject(check);
        }
    }

    private static readonly Lazy<JsonElement?> ConfigSchema = new(() =>
    {
        using var stream = typeof(TestCodexEnvironmentCommand).Assembly.GetManifestResourceStream("CodexPS.ConfigSchema.json");
        return stream is null ? null : JsonDocument.Parse(stream).RootElement.Clone();
    });
}
