namespace CodexPS.Tools;

/// <summary>The JSON a parameter takes, which decides how the model's value becomes a PowerShell value.</summary>
internal enum CodexToolValueKind
{
    /// <summary>A JSON string; PowerShell converts it (enums, dates, Guid, Uri and types made from a string).</summary>
    String,

    /// <summary>A JSON number without a fraction, passed as long (ulong or decimal when larger).</summary>
    Integer,

    /// <summary>A JSON number, passed as double (decimal for a [decimal] parameter).</summary>
    Number,

    /// <summary>true or false.</summary>
    Boolean,

    /// <summary>A [switch]: true makes it present, false leaves it out.</summary>
    Switch,

    /// <summary>A JSON array of the element's kind (a single value is taken as an array of one).</summary>
    Array,

    /// <summary>A JSON object, passed as a hashtable (nested objects too).</summary>
    Dictionary,

    /// <summary>Any JSON value, passed as ConvertFrom-Json would give it (PSCustomObject, object[], scalars).</summary>
    Any,
}
