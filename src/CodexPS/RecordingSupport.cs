using System.Management.Automation;
using CodexPS.Engine;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Persistence;

namespace CodexPS;

/// <summary>Starting a recording from a path template, shared by Start-CodexRecording and the -RecordTo parameters.</summary>
internal static class RecordingSupport
{
    /// <summary>Checks a template's placeholders before anything is started; throws CodexRecordingTemplateInvalid.</summary>
    public static void CheckTemplate(string template) =>
        CodexRecordingTemplate.Expand(template, "session", "conversation", DateTimeOffset.UtcNow);

    /// <summary>The file a template names for a conversation now, as a file-system path.</summary>
    public static string Resolve(PSCmdlet cmdlet, CodexConversation conversation, string template)
    {
        var expanded = CodexRecordingTemplate.Expand(template, conversation.Client.SessionId, conversation.Id, DateTimeOffset.UtcNow);
        return cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(expanded);
    }

    /// <summary>
    /// Starts recording the conversation to the template's file, or finds the recording already running to it
    /// (<paramref name="started"/> then is false, and the caller must not stop it).
    /// </summary>
    public static CodexRecording Begin(PSCmdlet cmdlet, CodexConversation conversation, string template, CodexRecordingFormat? format, out bool started)
    {
        var path = Resolve(cmdlet, conversation, template);
        if (CodexRecording.Find(conversation, path) is { } running)
        {
            started = false;
            return running;
        }

        started = true;
        return Start(conversation, path, format ?? CodexRecordingTemplate.FormatFor(path));
    }

    /// <summary>CodexRecording.Start, with a folder that cannot be created reported as CodexRecordingFailed like a file that cannot be written.</summary>
    public static CodexRecording Start(CodexConversation conversation, string path, CodexRecordingFormat format)
    {
        try
        {
            return CodexRecording.Start(conversation, path, format);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CodexException("CodexRecordingFailed", $"Cannot write the recording '{path}': {ex.Message}", ex);
        }
    }

    public static ErrorRecord ToErrorRecord(CodexException exception, object? target) => CodexCmdlet.ToErrorRecord(exception, target);
}
