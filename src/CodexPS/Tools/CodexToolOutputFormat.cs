namespace CodexPS.Tools;

/// <summary>How a tool's output objects become the text the model reads.</summary>
public enum CodexToolOutputFormat
{
    /// <summary>Compact JSON of the output objects (ConvertTo-Json -Compress -Depth 4 -EnumsAsStrings).</summary>
    Json,

    /// <summary>The output as PowerShell formats it for a console 120 characters wide (Out-String -Width 120).</summary>
    Text,
}
