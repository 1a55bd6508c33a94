namespace CodexPS.Engine.Pricing;

/// <summary>Prices that cannot be used (ErrorId CodexPricingInvalid); <see cref="Entry"/> names the model entry (or file) at fault.</summary>
public sealed class CodexPricingException : CodexException
{
    /// <summary>Creates the error for one entry.</summary>
    public CodexPricingException(string entry, string message, Exception? inner = null)
        : base("CodexPricingInvalid", message, inner)
    {
        Entry = entry;
    }

    /// <summary>The model entry (or the file) that is wrong: the ErrorRecord's target.</summary>
    public string Entry { get; }
}
