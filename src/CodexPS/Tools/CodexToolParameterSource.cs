
namespace CodexPS.Tools;

/// <summary>One parameter of a command's chosen set, as its metadata gives it: what the schema is made from.</summary>
internal sealed record CodexToolParameterSource(string Name, Type Type, bool IsMandatory, IReadOnlyList<Attribute> Attributes, string? HelpMessage);
