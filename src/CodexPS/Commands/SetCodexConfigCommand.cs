using System.Collections;
using System.Globalization;
using System.Management.Automation;
using CodexPS.Engine.Config;

namespace CodexPS.Commands;

/// <summary>
/// Writes values into the runtime's user config.toml (config/value/write, config/batchWrite; upsert), after checking
/// them against the runtime's own config schema: a value that does not fit is an error and nothing is written; a key
/// the schema does not describe (it describes part of config.toml only) is written with a warning.
/// </summary>
[Cmdlet(VerbsCommon.Set, "CodexConfig", DefaultParameterSetName = KeySet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class SetCodexConfigCommand : CodexCmdlet
{
    private const string KeySet = "Key";
    private const string ValuesSet = "Values";
    private static readonly Lazy<CodexConfigSchema?> Schema = new(LoadSchema);

    /// <summary>The dotted key path to write, e.g. model or features.plugins.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = KeySet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ConfigKeyCompleter))]
    public string Key { get; set; } = string.Empty;

    /// <summary>The value: a string, number, boolean, array or hashtable (a table, merged into what is there).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = KeySet)]
    public object? Value { get; set; }

    /// <summary>Several dotted keys and their values, written together: all or none.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ValuesSet)]
    [ValidateNotNullOrEmpty]
    public Hashtable? Values { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var client = GetClient();
        var target = Path.Combine(client.CodexHome, "config.toml");
        try
        {
            if (ParameterSetName == ValuesSet)
            {
                var pairs = Values!.Cast<DictionaryEntry>()
                    .Select(e => new KeyValuePair<string, object?>(System.Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? string.Empty, Plain(e.Value)))
                    .OrderBy(p => p.Key, StringComparer.Ordinal)
                    .ToList();
                if (!CheckValues(client, pairs) || !ShouldProcess(target, "Set " + string.Join(", ", pairs.Select(p => p.Key))))
                {
                    return;
                }

                Await(CodexConfigStore.WriteBatchAsync(client.RequestAsync, pairs, CancellationToken));
            }
            else
            {
                var value = Plain(Value);
                if (!CheckValues(client, new[] { new KeyValuePair<string, object?>(Key, value) }) || !ShouldProcess(target, $"Set {Key}"))
                {
                    return;
                }

                Await(CodexConfigStore.WriteAsync(client.RequestAsync, Key, value, CancellationToken));
            }
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            var record = ToErrorRecord(ex, ParameterSetName == ValuesSet ? Values : Key);
            if (record.CategoryInfo.Category == ErrorCategory.ProtocolError)
            {
                // The runtime refused the value; the cause is the input, not the connection.
                record = new ErrorRecord(record.Exception, "CodexConfigWriteRejected", ErrorCategory.InvalidArgument, record.TargetObject);
            }

            WriteError(record);
        }
    }

    /// <summary>
    /// Checks every value against the schema before anything is written: one that does not fit is an error
    /// (CodexConfigValueInvalid) and none is written; a key the schema does not describe is a warning.
    /// </summary>
    private bool CheckValues(Engine.Conversations.CodexClient client, IReadOnlyCollection<KeyValuePair<string, object?>> pairs)
    {
        if (Schema.Value is not { } schema)
        {
            return true;
        }

        IReadOnlyCollection<string>? efforts = null;
        var valid = true;
        foreach (var (key, value) in pairs)
        {
            if (efforts is null && value is not null && key.EndsWith("reasoning_effort", StringComparison.Ordinal))
            {
                efforts = ReasoningEfforts(client);
            }

            var check = schema.Check(key, value, efforts);
            if (!check.IsValid)
            {
                WriteError(NewError("CodexConfigValueInvalid", ErrorCategory.InvalidArgument, key, check.Problem + " Nothing was written."));
                valid = false;
            }
            else if (!check.IsKnown)
            {
                WriteWarning($"'{key}' is not described by the runtime's config schema, so its value could not be checked; it is written as given.");
            }
        }

        return valid;
    }

    /// <summary>The efforts the runtime's models offer (model/list); null when the runtime cannot say.</summary>
    private string[]? ReasoningEfforts(Engine.Conversations.CodexClient client)
    {
        try
        {
            var models = Await(Engine.Models.CodexModelCatalog.ListAsync(client.RequestAsync, includeHidden: true, CancellationToken));
            var efforts = models.SelectMany(m => m.SupportedReasoningEfforts).Distinct(StringComparer.Ordinal).ToArray();
            return efforts.Length == 0 ? null : efforts;
        }
        catch (Engine.CodexException)
        {
            return null;
        }
    }

    private static CodexConfigSchema? LoadSchema()
    {
        using var stream = typeof(SetCodexConfigCommand).Assembly.GetManifestResourceStream("CodexPS.ConfigSchema.json");
        return stream is null ? null : CodexConfigSchema.Load(stream);
    }

    /// <summary>PSCustomObjects become tables, PSObject wrappers are removed, recursively.</summary>
    private static object? Plain(object? value)
    {
        if (value is PSObject pso)
        {
            if (pso.BaseObject is PSCustomObject)
            {
                var table = new Hashtable(StringComparer.Ordinal);
                foreach (var property in pso.Properties)
                {
                    table[property.Name] = Plain(property.Value);
                }

                return table;
            }

            value = pso.BaseObject;
        }

        return value switch
        {
            IDictionary dictionary => dictionary.Cast<DictionaryEntry>().ToDictionary(
                e => System.Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? string.Empty, e => Plain(e.Value)),
            string s => s,
            IEnumerable list => list.Cast<object?>().Select(Plain).ToArray(),
            _ => value,
        };
    }
}
