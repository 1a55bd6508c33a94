using System.Management.Automation;

namespace CodexPS.Commands;

/// <summary>Reports the session's runtime: where it is, its version, state, account and rate limits.</summary>
[Cmdlet(VerbsCommon.Get, "CodexStatus")]
[OutputType(typeof(CodexStatus))]
public sealed class GetCodexStatusCommand : CodexCmdlet
{
    /// <summary>Reports these named runtimes (Connect-Codex -Name); wildcards allowed. A pool's name reports each of its members. Default: the default runtime.</summary>
    [Parameter(Position = 0)]
    [Alias("Name")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Runtime { get; set; }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        WriteClientWarnings(RuntimeRegistry.ClientFor(null));
        if (Runtime is null)
        {
            WriteStatus(null);
            return;
        }

        foreach (var name in Runtime)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var pools = RuntimeRegistry.AllPools.Where(p => pattern.IsMatch(p.Name)).ToArray();
            var names = pools.SelectMany(p => p.Members.Select(m => m.Name))
                .Concat(RuntimeRegistry.AllClients.Select(r => r.Name).Where(n => pattern.IsMatch(n)))
                .Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
            if (names.Length == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(NewError("CodexRuntimeNotFound", ErrorCategory.ObjectNotFound, name, $"No runtime named '{name}' was connected in this session."));
            }

            foreach (var match in names)
            {
                WriteStatus(match);
            }
        }
    }

    /// <summary>One runtime's status; a runtime disposed while it is asked is an error about that runtime, not a raw exception.</summary>
    private void WriteStatus(string? name)
    {
        CodexStatus status;
        try
        {
            status = CodexStatus.Capture(name, CancellationToken);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, name ?? RuntimeRegistry.DefaultName));
            return;
        }

        WriteObject(status);
    }
}
