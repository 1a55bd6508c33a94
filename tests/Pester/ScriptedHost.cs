// A PowerShell host whose user answers from a script: the tests use it to drive CodexPS's interactive
// prompts (ShouldContinue, PromptForChoice, Prompt) without a person at a console. Compiled with Add-Type.
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace CodexPS.Tests
{
    public sealed class ScriptedHost : PSHost
    {
        private readonly ScriptedUserInterface _ui = new ScriptedUserInterface();
        private readonly Guid _id = Guid.NewGuid();

        public ScriptedUserInterface User { get { return _ui; } }

        public override string Name { get { return "CodexPSScriptedHost"; } }

        public override Version Version { get { return new Version(1, 0); } }

        public override Guid InstanceId { get { return _id; } }

        public override PSHostUserInterface UI { get { return _ui; } }

        public override CultureInfo CurrentCulture { get { return CultureInfo.InvariantCulture; } }

        public override CultureInfo CurrentUICulture { get { return CultureInfo.InvariantCulture; } }

        public override void SetShouldExit(int exitCode) { }

        public override void EnterNestedPrompt() { throw new NotSupportedException(); }

        public override void ExitNestedPrompt() { throw new NotSupportedException(); }

        public override void NotifyBeginApplication() { }

        public override void NotifyEndApplication() { }
    }

    /// <summary>Answers choices and prompt fields from queues (the default choice, or empty text, when they run out) and logs every question.</summary>
    public sealed class ScriptedUserInterface : PSHostUserInterface
    {
        public readonly Queue<int> Choices = new Queue<int>();
        public readonly Queue<string> Inputs = new Queue<string>();
        public readonly List<string> Log = new List<string>();
        // What was shown to the person: text written to the host and progress records (kept apart from Log).
        public readonly List<string> Shown = new List<string>();

        public override PSHostRawUserInterface RawUI { get { return null; } }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            var labels = new List<string>();
            foreach (var choice in choices)
            {
                labels.Add(choice.Label);
            }

            var answer = Choices.Count > 0 ? Choices.Dequeue() : defaultChoice;
            Log.Add(string.Format("choice|{0}|{1}|{2}|{3}|{4}", caption, message.Replace(Environment.NewLine, " "), string.Join(",", labels), defaultChoice, answer));
            return answer;
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
        {
            var result = new Dictionary<string, PSObject>();
            foreach (var field in descriptions)
            {
                var text = Inputs.Count > 0 ? Inputs.Dequeue() : string.Empty;
                var secret = field.ParameterTypeName == "SecureString";
                Log.Add(string.Format("prompt|{0}|{1}|{2}|{3}|{4}|{5}", caption, message, field.Name, field.Label, secret ? "secret" : field.ParameterTypeName, field.IsMandatory ? "mandatory" : "optional"));
                if (secret)
                {
                    var secure = new SecureString();
                    foreach (var c in text)
                    {
                        secure.AppendChar(c);
                    }

                    result[field.Name] = new PSObject(secure);
                }
                else
                {
                    result[field.Name] = new PSObject(text);
                }
            }

            return result;
        }

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) { throw new NotSupportedException(); }

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) { throw new NotSupportedException(); }

        public override string ReadLine() { return string.Empty; }

        public override SecureString ReadLineAsSecureString() { return new SecureString(); }

        public override void Write(string value) { Shown.Add("text|" + value); }

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) { Shown.Add("text|" + value); }

        public override void WriteLine(string value) { Shown.Add("text|" + value + "\n"); }

        public override void WriteErrorLine(string value) { }

        public override void WriteDebugLine(string message) { }

        public override void WriteProgress(long sourceId, ProgressRecord record) { Shown.Add("progress|" + record.RecordType + "|" + record.StatusDescription); }

        public override void WriteVerboseLine(string message) { }

        public override void WriteWarningLine(string message) { Log.Add("warning|" + message); }
    }
}
