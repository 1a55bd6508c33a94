using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodexPS.Engine.Protocol;
using CodexPS.Engine.Exec;

namespace CodexPS.Engine.Conversations;

/// <summary>Commands run in the runtime's sandbox without a thread or the model (command/exec).</summary>
public sealed partial class CodexClient
{
    private readonly ConcurrentDictionary<string, CodexCommandExecution> _executions = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts a command with its output streamed (command/exec, streamStdoutStderr). The request is not tied to a
    /// cancellation token on purpose: stopping it is <see cref="CodexCommandExecution.TerminateAsync"/>, after which
    /// the runtime still answers with the exit code.
    /// </summary>
    public CodexCommandExecution StartCommand(CodexCommandOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Command.Count == 0 || string.IsNullOrEmpty(options.Command[0]))
        {
            throw new CodexException("CodexCommandEmpty", "The command is empty: give the program to run and its arguments.");
        }

        EnsureRunning();
        var processId = "codexps-" + Guid.NewGuid().ToString("N");
        var parameters = new JsonObject
        {
            ["command"] = new JsonArray(options.Command.Select(a => (JsonNode?)a).ToArray()),
            ["processId"] = processId,
            ["streamStdoutStderr"] = true,
        };
        if (options.WorkingDirectory is not null)
        {
            parameters["cwd"] = Path.GetFullPath(options.WorkingDirectory);
        }

        if (options.Sandbox is { } sandbox)
        {
            parameters["sandboxPolicy"] = OptionNames.SandboxPolicy(sandbox, options.NetworkAccess, options.AdditionalDirectories);
        }

        // Without a limit the runtime would end the command after its own default (10 s in codex 0.171.0), which
        // no one running a command expects; stopping it is Ctrl+C's job.
        if (options.Timeout is { } timeout)
        {
            parameters["timeoutMs"] = (long)Math.Ceiling(timeout.TotalMilliseconds);
        }
        else
        {
            parameters["disableTimeout"] = true;
        }

        if (options.Environment is { Count: > 0 } environment)
        {
            var env = new JsonObject();
            foreach (var (name, value) in environment)
            {
                env[name] = value;
            }

            parameters["env"] = env;
        }

        var execution = new CodexCommandExecution(processId, options, (id, token) =>
            Rpc.RequestAsync("command/exec/terminate", new JsonObject { ["processId"] = id }, token));
        _executions[processId] = execution;
        execution.Completion = RunCommandAsync(execution, parameters);
        return execution;
    }

    private async Task<CodexCommandResult> RunCommandAsync(CodexCommandExecution execution, JsonObject parameters)
    {
        try
        {
            var answer = await Rpc.RequestAsync("command/exec", parameters, CancellationToken.None).ConfigureAwait(false);
            return execution.Complete(answer);
        }
        catch (Exception ex)
        {
            execution.Fail(ex);
            throw;
        }
        finally
        {
            _executions.TryRemove(execution.ProcessId, out _);
        }
    }

    /// <summary>A command/exec/outputDelta: to the execution its process id names (reader thread).</summary>
    private void OnCommandOutput(JsonElement parameters)
    {
        if (parameters.Str("processId") is { } id && _executions.TryGetValue(id, out var execution))
        {
            execution.OnOutput(parameters);
        }
    }
}
