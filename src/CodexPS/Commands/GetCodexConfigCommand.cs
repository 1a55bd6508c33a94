using System.Management.Automation;
using CodexPS.Engine.Config;

namespace CodexPS.Commands;

/// <summary>Reads the runtime's effective config (config/read): all of it, one key, or where each value came from.</summary>
[Cmdlet(VerbsCommon.Get, "CodexConfig", DefaultParameterSetName = DefaultSet)]
[OutputType(typeof(PSObject), ParameterSetName = new[] { DefaultSet })]
[OutputType(typeof(CodexConfigEntry), ParameterSetName = new[] { DefaultSet })]
public sealed class GetCodexConfigCommand : CodexCmdlet
{
    private const string DefaultSet = "Default";

    /// <summary>A dotted key path, e.g. model or features.plugins.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = DefaultSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ConfigKeyCompleter))]
    public string[]? Key { get; set; }

    /// <summary>Returns entries with the layer (user, project, session flags, default) each value came from.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public SwitchParameter WithOrigin { get; set; }

    /// <summary>Reads the config as it applies in this folder, with the project layers (.codex/config.toml) found there.</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public string? WorkingDirectory { get; set; }

    private CodexConfigSnapshot? _snapshot;

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (_snapshot is null)
        {
            string? cwd = null;
            if (WorkingDirectory is not null)
            {
                // One snapshot serves every key piped in, so a folder that is not there ends the command.
                cwd = ResolveDirectory(WorkingDirectory, out var error);
                if (cwd is null)
                {
                    ThrowTerminatingError(error!);
                }
            }

            var client = GetClient();
            try
            {
                _snapshot = Await(CodexConfigStore.ReadAsync(client.RequestAsync, cwd, CancellationToken));
            }
            catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
            {
                ThrowTerminatingError(ToErrorRecord(ex, "config/read"));
                return;
            }
        }

        if (Key is null || Key.Length == 0)
        {
            if (WithOrigin)
            {
                foreach (var (key, origin) in _snapshot.Origins.OrderBy(o => o.Key, StringComparer.Ordinal))
                {
                    _snapshot.TryGet(key, out var value);
                    WriteObject(new CodexConfigEntry(key, JsonToPowerShell.Convert(value), origin.Origin, origin.File, origin.Version));
                }
            }
            else
            {
                WriteObject(JsonToPowerShell.Convert(_snapshot.Config));
            }

            return;
        }

        foreach (var key in Key)
        {
            if (!_snapshot.TryGet(key, out var value))
            {
                WriteError(NewError("CodexConfigKeyNotFound", ErrorCategory.ObjectNotFound, key, $"The effective config has no key '{key}'."));
                continue;
            }

            if (!WithOrigin)
            {
                WriteObject(JsonToPowerShell.Convert(value), enumerateCollection: false);
                continue;
            }

            if (_snapshot.Origins.TryGetValue(key, out var origin))
            {
                WriteObject(new CodexConfigEntry(key, JsonToPowerShell.Convert(value), origin.Origin, origin.File, origin.Version));
                continue;
            }

            // A table: its leaves that some layer set, or the key itself as a default.
            var leaves = _snapshot.Origins.Where(o => o.Key.StartsWith(key + ".", StringComparison.Ordinal)).OrderBy(o => o.Key, StringComparer.Ordinal).ToList();
            if (leaves.Count == 0)
            {
                WriteObject(new CodexConfigEntry(key, JsonToPowerShell.Convert(value), "Default", null, null));
            }

            foreach (var (leafKey, leafOrigin) in leaves)
            {
                _snapshot.TryGet(leafKey, out var leafValue);
                WriteObject(new CodexConfigEntry(leafKey, JsonToPowerShell.Convert(leafValue), leafOrigin.Origin, leafOrigin.File, leafOrigin.Version));
            }
        }
    }
}
