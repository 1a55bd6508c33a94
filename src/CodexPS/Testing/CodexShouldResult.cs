namespace CodexPS.Testing;

/// <summary>The answer of a CodexPS Should operator, in the shape Pester's Add-ShouldOperator expects (Succeeded, FailureMessage).</summary>
/// <param name="Succeeded">Whether the assertion holds (after -Not).</param>
/// <param name="FailureMessage">What was expected and what was seen instead; null when it holds.</param>
public sealed record CodexShouldResult(bool Succeeded, string? FailureMessage);
