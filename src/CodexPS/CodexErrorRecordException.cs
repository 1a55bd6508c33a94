using System.Management.Automation;

namespace CodexPS;

/// <summary>
/// An engine failure already translated into its ErrorRecord. PowerShell reports an uncaught one with that record
/// (its ErrorId, category and target) instead of the exception's type name.
/// </summary>
internal sealed class CodexErrorRecordException : RuntimeException
{
    public CodexErrorRecordException(ErrorRecord record)
        : base(record.Exception.Message, record.Exception, record)
    {
    }
}
