using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace CodexPS.Engine.Pricing;

/// <summary>
/// Per-model token prices the user supplies (Connect-Codex -Pricing). CodexPS ships no price list: prices change and a
/// shipped list would go stale, so a cost is computed only from prices the user gave, and is null for any other model.
/// </summary>
public sealed class CodexPricing
{
    private static readonly string[] Keys = { "Input", "CachedInput", "Output" };
    private readonly Dictionary<string, CodexModelPrice> _prices;

    private CodexPricing(Dictionary<string, CodexModelPrice> prices)
    {
        _prices = prices;
    }

    /// <summary>The prices, one per model (model slugs compared without case).</summary>
    public IReadOnlyCollection<CodexModelPrice> Models => _prices.Values;

    /// <summary>The price of a model; null when none was given (its cost is then unknown).</summary>
    public CodexModelPrice? Find(string? model) => model is not null && _prices.TryGetValue(model, out var price) ? price : null;

    /// <summary>PowerShell hands in PSObject-wrapped values; the module sets this to unwrap them.</summary>
    public static Func<object?, object?> Unwrap { get; set; } = v => v;

    /// <summary>
    /// Reads prices from a dictionary (a hashtable): model slug → { Input, CachedInput, Output } in USD per million
    /// tokens. Every entry must give all three as numbers of 0 or more, and nothing else.
    /// </summary>
    public static CodexPricing FromDictionary(IDictionary models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var prices = new Dictionary<string, CodexModelPrice>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in models)
        {
            var model = Convert.ToString(Unwrap(entry.Key), CultureInfo.InvariantCulture);
            if (string.IsNullOrWhiteSpace(model))
            {
                throw new CodexPricingException(string.Empty, "A price entry has no model name.");
            }

            if (Unwrap(entry.Value) is not IDictionary parts)
            {
                throw new CodexPricingException(model, $"The price of '{model}' must be a table of Input, CachedInput and Output (USD per million tokens).");
            }

            var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry part in parts)
            {
                values[Convert.ToString(Unwrap(part.Key), CultureInfo.InvariantCulture) ?? string.Empty] = Unwrap(part.Value);
            }

            prices[model] = Price(model, values);
        }

        if (prices.Count == 0)
        {
            throw new CodexPricingException(string.Empty, "The prices name no model.");
        }

        return new CodexPricing(prices);
    }

    /// <summary>Reads prices from a JSON file: { "model": { "Input": n, "CachedInput": n, "Output": n }, ... }.</summary>
    public static CodexPricing FromJsonFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new CodexPricingException(path, $"The price file '{path}' cannot be read as JSON: {ex.Message}", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CodexPricingException(path, $"The price file '{path}' must hold a JSON object of models.");
            }

            var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (var model in document.RootElement.EnumerateObject())
            {
                if (model.Value.ValueKind != JsonValueKind.Object)
                {
                    throw new CodexPricingException(model.Name, $"The price of '{model.Name}' in '{path}' must be an object of Input, CachedInput and Output.");
                }

                var parts = new Hashtable(StringComparer.OrdinalIgnoreCase);
                foreach (var part in model.Value.EnumerateObject())
                {
                    parts[part.Name] = part.Value.ValueKind == JsonValueKind.Number ? part.Value.GetDecimal() : part.Value.ToString();
                }

                table[model.Name] = parts;
            }

            return FromDictionary(table);
        }
    }

    private static CodexModelPrice Price(string model, Dictionary<string, object?> values)
    {
        foreach (var key in values.Keys)
        {
            if (!Keys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new CodexPricingException(model, $"The price of '{model}' has an unknown key '{key}'; the keys are Input, CachedInput and Output (USD per million tokens).");
            }
        }

        decimal Read(string key)
        {
            if (!values.TryGetValue(key, out var value) || value is null)
            {
                throw new CodexPricingException(model, $"The price of '{model}' has no {key} (USD per million tokens); give all of Input, CachedInput and Output.");
            }

            if (value is bool)
            {
                throw new CodexPricingException(model, $"The {key} price of '{model}' is not a number: '{value}'.");
            }

            decimal number;
            try
            {
                number = value is string text
                    ? decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)
                    : Convert.ToDecimal(value, CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException)
            {
                throw new CodexPricingException(model, $"The {key} price of '{model}' is not a number: '{value}'.", ex);
            }

            if (number < 0)
            {
                throw new CodexPricingException(model, $"The {key} price of '{model}' is negative ({number.ToString(CultureInfo.InvariantCulture)}).");
            }

            return number;
        }

        return new CodexModelPrice(model, Read("Input"), Read("CachedInput"), Read("Output"));
    }
}
