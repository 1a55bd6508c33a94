namespace CodexPS.Engine.Cassettes;

/// <summary>A cassette file that cannot be used (CodexCassetteInvalid): not JSON, cut short, a version this CodexPS does not read, a missing member.</summary>
public sealed class CodexCassetteException : CodexException
{
    /// <summary>Reports the problem at a 1-based line of the file (null when the file as a whole is at fault).</summary>
    public CodexCassetteException(string path, int? lineNumber, string message, Exception? inner = null)
        : base("CodexCassetteInvalid", lineNumber is { } line ? $"The cassette '{path}' cannot be used, line {line}: {message}" : $"The cassette '{path}' cannot be used: {message}", inner)
    {
        Path = path;
        LineNumber = lineNumber;
    }

    /// <summary>The file at fault.</summary>
    public string Path { get; }

    /// <summary>1-based line of the problem; null when the whole file is at fault.</summary>
    public int? LineNumber { get; }
}
