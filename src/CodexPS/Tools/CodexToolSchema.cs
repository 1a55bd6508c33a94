using System.Collections;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Numerics;
using System.Security;
using System.Text.Json.Nodes;

namespace CodexPS.Tools;

/// <summary>
/// The JSON Schema of a tool's arguments, made from a command's own parameter metadata: one parameter set, common
/// parameters left out, each parameter's type and validation attributes turned into the JSON Schema words the model
/// understands. PowerShell's binder still checks every value when the tool runs; the schema only tells the model
/// what to send.
/// </summary>
internal static class CodexToolSchema
{
    private const string AllSets = "__AllParameterSets";

    /// <summary>
    /// PowerShell's common and risk-mitigation parameters: they steer PowerShell, not the command, so the model never
    /// sees them (Invoke passes -Confirm:$false itself; consent is asked once, by the turn's approval path).
    /// </summary>
    public static readonly IReadOnlyCollection<string> CommonParameters = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm",
        "UseTransaction",
    };

    /// <summary>
    /// The parameters of the set the schema uses: the named one; else the command's only set or its default set; else
    /// (several sets, none default) the parameters every set has. Null when the named set does not exist.
    /// Dynamic and common parameters are left out.
    /// </summary>
    public static IReadOnlyList<CodexToolParameterSource>? ParametersOf(CommandInfo command, string? setName, out string? chosenSet)
    {
        var sets = command.ParameterSets;
        CommandParameterSetInfo? set;
        if (setName is not null)
        {
            set = sets.FirstOrDefault(s => string.Equals(s.Name, setName, StringComparison.OrdinalIgnoreCase));
            if (set is null)
            {
                chosenSet = null;
                return null;
            }
        }
        else
        {
            set = sets.Count == 1 ? sets[0] : sets.FirstOrDefault(s => s.IsDefault);
        }

        if (set is not null)
        {
            chosenSet = set.Name == AllSets ? null : set.Name;
            return set.Parameters
                .Where(p => !p.IsDynamic && !CommonParameters.Contains(p.Name))
                .Select(p => new CodexToolParameterSource(p.Name, p.ParameterType, p.IsMandatory, p.Attributes, p.HelpMessage))
                .ToArray();
        }

        chosenSet = null;
        if (sets.Count == 0)
        {
            return Array.Empty<CodexToolParameterSource>();
        }

        return command.Parameters.Values
            .Where(p => !p.IsDynamic && !CommonParameters.Contains(p.Name) && p.ParameterSets.ContainsKey(AllSets))
            .Select(p => new CodexToolParameterSource(p.Name, p.ParameterType, p.ParameterSets[AllSets].IsMandatory, p.Attributes, p.ParameterSets[AllSets].HelpMessage))
            .ToArray();
    }

    /// <summary>
    /// The schema object of the arguments, with the parameters it offers; parameters whose type has no JSON mapping
    /// are left out and listed in <paramref name="omitted"/>.
    /// </summary>
    public static string Build(IEnumerable<CodexToolParameterSource> sources, IReadOnlyDictionary<string, string> help,
        List<CodexToolParameter> parameters, List<CodexToolParameterSource> omitted)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var source in sources)
        {
            var shape = ShapeOf(source.Type);
            if (shape is null)
            {
                omitted.Add(source);
                continue;
            }

            var property = SchemaOf(shape);
            ApplyAttributes(property, shape, source.Attributes);
            var description = help.TryGetValue(source.Name, out var text) && !string.IsNullOrWhiteSpace(text) ? text
                : string.IsNullOrWhiteSpace(source.HelpMessage) ? null : source.HelpMessage!.Trim();
            var hint = Hint(shape);
            description = hint is null ? description : description is null ? hint : description + " " + hint;
            if (description is not null)
            {
                property["description"] = description;
            }

            properties[source.Name] = property;
            parameters.Add(new CodexToolParameter(source.Name, shape, source.IsMandatory));
            if (source.IsMandatory)
            {
                required.Add(source.Name);
            }
        }

        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = required,
            ["additionalProperties"] = false,
        };
        return schema.ToJsonString();
    }

    /// <summary>
    /// The JSON a parameter of this type takes, or null when there is no faithful mapping: script blocks (code),
    /// secure strings and credentials (secrets never come from the model), disposable resources such as streams,
    /// and other types PowerShell cannot build from a JSON value.
    /// </summary>
    public static CodexToolValueShape? ShapeOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(SwitchParameter))
        {
            return new CodexToolValueShape(CodexToolValueKind.Switch, type);
        }

        if (type == typeof(bool))
        {
            return new CodexToolValueShape(CodexToolValueKind.Boolean, type);
        }

        if (type == typeof(string) || type == typeof(char) || type.IsEnum || type == typeof(DateTime) || type == typeof(DateTimeOffset)
            || type == typeof(Guid) || type == typeof(Uri) || type == typeof(TimeSpan))
        {
            return new CodexToolValueShape(CodexToolValueKind.String, type);
        }

        if (IsInteger(type))
        {
            return new CodexToolValueShape(CodexToolValueKind.Integer, type);
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return new CodexToolValueShape(CodexToolValueKind.Number, type);
        }

        if (type == typeof(object) || type == typeof(PSObject))
        {
            return new CodexToolValueShape(CodexToolValueKind.Any, type);
        }

        if (typeof(IDictionary).IsAssignableFrom(type))
        {
            return new CodexToolValueShape(CodexToolValueKind.Dictionary, type);
        }

        if (ElementTypeOf(type) is { } elementType)
        {
            return ShapeOf(elementType) is { Kind: not CodexToolValueKind.Switch } element ? new CodexToolValueShape(CodexToolValueKind.Array, type, element) : null;
        }

        if (type == typeof(ScriptBlock) || type == typeof(SecureString) || type == typeof(PSCredential) || type.IsAbstract || type.IsInterface
            || typeof(IDisposable).IsAssignableFrom(type) || typeof(Delegate).IsAssignableFrom(type))
        {
            return null;
        }

        // PowerShell builds these from a string itself (IPAddress, Version, FileInfo, CultureInfo, ...).
        var fromString = type.GetConstructor(new[] { typeof(string) }) is not null
            || type.GetMethod("Parse", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static, null, new[] { typeof(string) }, null) is not null;
        return fromString ? new CodexToolValueShape(CodexToolValueKind.String, type) : null;
    }

    /// <summary>The JSON Schema of one value of this shape (without description or validation words).</summary>
    public static JsonObject SchemaOf(CodexToolValueShape shape)
    {
        var type = shape.Type;
        switch (shape.Kind)
        {
            case CodexToolValueKind.Switch or CodexToolValueKind.Boolean:
                return new JsonObject { ["type"] = "boolean" };
            case CodexToolValueKind.Integer:
                var integer = new JsonObject { ["type"] = "integer" };
                if (IntegerRange(type) is var (min, max))
                {
                    integer["minimum"] = min;
                    if (max is not null)
                    {
                        integer["maximum"] = max;
                    }
                }

                return integer;
            case CodexToolValueKind.Number:
                return new JsonObject { ["type"] = "number" };
            case CodexToolValueKind.Array:
                return new JsonObject { ["type"] = "array", ["items"] = SchemaOf(shape.Element!) };
            case CodexToolValueKind.Dictionary:
                return new JsonObject { ["type"] = "object" };
            case CodexToolValueKind.Any:
                return new JsonObject();
        }

        var text = new JsonObject { ["type"] = "string" };
        if (type == typeof(char))
        {
            text["minLength"] = 1;
            text["maxLength"] = 1;
        }
        else if (type.IsEnum && !type.IsDefined(typeof(FlagsAttribute), false))
        {
            text["enum"] = new JsonArray(Enum.GetNames(type).Select(n => (JsonNode)n).ToArray());
        }
        else if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            text["format"] = "date-time";
        }
        else if (type == typeof(Guid))
        {
            text["format"] = "uuid";
        }
        else if (type == typeof(Uri))
        {
            text["format"] = "uri";
        }

        return text;
    }

    /// <summary>The words of [ValidateSet], [ValidateRange], [ValidatePattern], [ValidateLength], [ValidateCount] and [ValidateNotNullOrEmpty].</summary>
    private static void ApplyAttributes(JsonObject property, CodexToolValueShape shape, IEnumerable<Attribute> attributes)
    {
        // Value checks of an array parameter apply to each element.
        var isArray = shape.Kind == CodexToolValueKind.Array;
        var value = isArray ? (JsonObject)property["items"]! : property;
        var valueShape = isArray ? shape.Element! : shape;
        foreach (var attribute in attributes)
        {
            switch (attribute)
            {
                case ValidateSetAttribute set when valueShape.Kind == CodexToolValueKind.String:
                    value["enum"] = new JsonArray(set.ValidValues.Select(v => (JsonNode)v).ToArray());
                    break;
                case ValidateSetAttribute set when valueShape.Kind == CodexToolValueKind.Integer
                    && set.ValidValues.All(v => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)):
                    value["enum"] = new JsonArray(set.ValidValues.Select(v => (JsonNode)long.Parse(v, CultureInfo.InvariantCulture)).ToArray());
                    break;
                case ValidateRangeAttribute range when valueShape.Kind is CodexToolValueKind.Integer or CodexToolValueKind.Number:
                    ApplyRange(value, range);
                    break;
                case ValidatePatternAttribute pattern when valueShape.Kind == CodexToolValueKind.String:
                    value["pattern"] = pattern.RegexPattern;
                    break;
                case ValidateLengthAttribute length when valueShape.Kind == CodexToolValueKind.String:
                    value["minLength"] = length.MinLength;
                    value["maxLength"] = length.MaxLength;
                    break;
                case ValidateCountAttribute count when isArray:
                    property["minItems"] = count.MinLength;
                    property["maxItems"] = count.MaxLength;
                    break;
                case ValidateNotNullOrEmptyAttribute when isArray:
                    property["minItems"] ??= 1;
                    break;
                case ValidateNotNullOrEmptyAttribute when shape.Kind == CodexToolValueKind.String && shape.Type == typeof(string):
                    property["minLength"] ??= 1;
                    break;
            }
        }
    }

    private static void ApplyRange(JsonObject value, ValidateRangeAttribute range)
    {
        if (range.MinRange is not null && ToNumber(range.MinRange) is { } min)
        {
            value["minimum"] = min;
        }

        if (range.MaxRange is not null && ToNumber(range.MaxRange) is { } max)
        {
            value["maximum"] = max;
        }

        if (range.MinRange is not null || range.MaxRange is not null)
        {
            return;
        }

        // PowerShell 7's [ValidateRange('Positive')] etc.: RangeKind is not public, and the reference assembly (5.1) does not name it.
        var kindProperty = range.GetType().GetProperty("RangeKind", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic);
        switch (kindProperty?.GetValue(range)?.ToString())
        {
            case "Positive":
                value.Remove("minimum");
                value["exclusiveMinimum"] = 0;
                break;
            case "NonNegative":
                value["minimum"] = 0;
                break;
            case "Negative":
                value.Remove("maximum");
                value["exclusiveMaximum"] = 0;
                break;
            case "NonPositive":
                value["maximum"] = 0;
                break;
        }
    }

    private static JsonValue? ToNumber(object value)
    {
        value = value is PSObject pso ? pso.BaseObject : value;
        return value switch
        {
            sbyte or byte or short or ushort or int or uint or long => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
            ulong u => JsonValue.Create(u),
            float or double => JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
            decimal d => JsonValue.Create(d),
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => JsonValue.Create(parsed),
            _ => null,
        };
    }

    /// <summary>What the model needs to know that the JSON Schema words above cannot say.</summary>
    private static string? Hint(CodexToolValueShape shape)
    {
        var type = shape.Kind == CodexToolValueKind.Array ? shape.Element!.Type : shape.Type;
        if (type.IsEnum && type.IsDefined(typeof(FlagsAttribute), false))
        {
            return "One or more of " + string.Join(", ", Enum.GetNames(type)) + ", separated by commas.";
        }

        return type == typeof(TimeSpan) ? "A time span such as 01:30:00 (hh:mm:ss) or 1.00:00:00 (d.hh:mm:ss)." : null;
    }

    private static bool IsInteger(Type type) =>
        type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) || type == typeof(sbyte)
        || type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) || type == typeof(BigInteger);

    /// <summary>The bounds worth telling the model: small types, and no negatives for unsigned ones; int, long and BigInteger have none worth saying.</summary>
    private static (long Min, long? Max)? IntegerRange(Type type)
    {
        if (type == typeof(byte)) return (byte.MinValue, byte.MaxValue);
        if (type == typeof(sbyte)) return (sbyte.MinValue, sbyte.MaxValue);
        if (type == typeof(short)) return (short.MinValue, short.MaxValue);
        if (type == typeof(ushort)) return (ushort.MinValue, ushort.MaxValue);
        if (type == typeof(uint)) return (uint.MinValue, uint.MaxValue);
        if (type == typeof(ulong)) return (0, null);
        return null;
    }

    /// <summary>The element type of T[], List&lt;T&gt; and the like; null for anything else (strings included).</summary>
    private static Type? ElementTypeOf(Type type)
    {
        if (type.IsArray)
        {
            return type.GetArrayRank() == 1 ? type.GetElementType() : null;
        }

        if (type == typeof(string) || !type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        var listLike = definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(ICollection<>)
            || definition == typeof(IEnumerable<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(IReadOnlyCollection<>)
            || definition == typeof(Collection<>);
        return listLike ? type.GetGenericArguments()[0] : null;
    }
}
