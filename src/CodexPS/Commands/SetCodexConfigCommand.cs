using System.Collections;
using System.Globalization;
using System.Management.Automation;
using CodexPS.Engine.Config;

namespace CodexPS.Commands;

/// <summary>Writes values into the runtime's user config.toml (config/value/write, config/batchWrite; upsert).</summary>
[Cmdlet(VerbsCommon.Set, "CodexConfig", DefaultParameterSetName = KeySet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class SetCodexConfigCommand : CodexCmdlet
{
    private const string KeySet = "Key";
    private const string ValuesSet = "Values";

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
                if (!ShouldProcess(target, "Set " + string.Join(", ", pairs.Select(p => p.Key))))
                {
                    return;
                }

                Await(CodexConfigStore.WriteBatchAsync(client.RequestAsync, pairs, CancellationToken));
            }
            else
            {
                if (!ShouldProcess(target, $"Set {Key}"))
                {
                    return;
                }

                Await(CodexConfigStore.WriteAsync(client.RequestAsync, Key, Plain(Value), CancellationToken));
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
