using System.Management.Automation;

namespace CodexPS.Completers;

/// <summary>The quoting and wildcard rules every completer of the module shares.</summary>
internal static class Completion
{
    public static (string Quote, WildcardPattern Pattern) Pattern(string wordToComplete)
    {
        var quote = wordToComplete.Length > 0 && wordToComplete[0] is '\'' or '"' ? wordToComplete[0].ToString() : string.Empty;
        return (quote, WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase));
    }

    public static string Quote(string value, string quote)
    {
        var needsQuotes = quote.Length > 0 || value.Any(c => char.IsWhiteSpace(c) || "'\"$`;,(){}@&|<>#".Contains(c));
        if (!needsQuotes)
        {
            return value;
        }

        return quote == "\"" ? "\"" + value.Replace("`", "``").Replace("\"", "`\"").Replace("$", "`$") + "\"" : "'" + value.Replace("'", "''") + "'";
    }
}
