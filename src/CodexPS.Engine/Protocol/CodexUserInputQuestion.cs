using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodexPS.Engine.Protocol;

/// <summary>One question the model asks the user (request_user_input); its Id is the key of its answer.</summary>
public sealed class CodexUserInputQuestion
{
    internal CodexUserInputQuestion(JsonElement question)
    {
        Id = question.Str("id") ?? string.Empty;
        Header = question.Str("header");
        Question = question.Str("question");
        IsOther = question.Bool("isOther") ?? false;
        IsSecret = question.Bool("isSecret") ?? false;
        Options = question.Array("options").Select(o => new CodexUserInputOption(o)).ToArray();
    }

    /// <summary>The question's id, the key of its answer; empty when the model gave none.</summary>
    public string Id { get; }

    /// <summary>A short label for the question.</summary>
    public string? Header { get; }

    /// <summary>The question's full text.</summary>
    public string? Question { get; }

    /// <summary>A free-form answer besides the options is welcome.</summary>
    public bool IsOther { get; }

    /// <summary>The answer should not be echoed (a password, a token).</summary>
    public bool IsSecret { get; }

    /// <summary>The choices, the model's recommendation first; empty for a free-text question.</summary>
    public IReadOnlyList<CodexUserInputOption> Options { get; }

    /// <inheritdoc/>
    public override string ToString() => (Question ?? Header ?? Id) + (Options.Count > 0 ? $" [{string.Join("/", Options.Select(o => o.Label))}]" : string.Empty);

    /// <summary>The answer list for one value: strings as given, option labels in their own spelling.</summary>
    internal JsonArray? ToAnswers(JsonNode? value)
    {
        var texts = new List<string>();
        if (value is JsonArray array)
        {
            foreach (var element in array)
            {
                if (CodexApprovalContent.Scalar(element) is { } text)
                {
                    texts.Add(text);
                }
                else if (element is not null)
                {
                    throw CodexApprovalContent.Invalid($"The answer to question '{Id}' must be text or a list of texts.");
                }
            }
        }
        else if (value is not null)
        {
            texts.Add(CodexApprovalContent.Scalar(value) ?? throw CodexApprovalContent.Invalid($"The answer to question '{Id}' must be text or a list of texts."));
        }

        var answers = new JsonArray();
        foreach (var text in texts.Where(t => t.Length > 0))
        {
            var option = Options.FirstOrDefault(o => string.Equals(o.Label, text, StringComparison.OrdinalIgnoreCase));
            if (option is null && Options.Count > 0 && !IsOther)
            {
                throw CodexApprovalContent.Invalid($"'{(IsSecret ? "***" : text)}' is not an option of question '{Id}' ({string.Join(", ", Options.Select(o => o.Label))}).");
            }

            answers.Add(option?.Label ?? text);
        }

        return answers.Count == 0 ? null : answers;
    }
}
