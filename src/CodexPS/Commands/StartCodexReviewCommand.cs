using System.Management.Automation;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Protocol;
using CodexPS.Engine.Review;

namespace CodexPS.Commands;

/// <summary>
/// Runs a code review (review/start) in a conversation, writes its events as they happen (entered and exited
/// review mode are items), then the review's result with its findings.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "CodexReview", DefaultParameterSetName = ObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CodexEvent), typeof(CodexReviewResult))]
public sealed class StartCodexReviewCommand : ConversationTurnCmdlet
{
    private static readonly string[] NotForReviews = { nameof(Image), nameof(OutputSchema) };

    /// <summary>Reviews the working tree: staged, unstaged and untracked files.</summary>
    [Parameter]
    public SwitchParameter Uncommitted { get; set; }

    /// <summary>Reviews the changes between the current branch and this base branch.</summary>
    [Parameter]
    public string? BaseBranch { get; set; }

    /// <summary>Reviews the changes this commit introduced.</summary>
    [Parameter]
    public string? Commit { get; set; }

    /// <summary>Reviews what these free-form instructions ask for.</summary>
    [Parameter]
    public string? Instructions { get; set; }

    /// <summary>Runs the review in a new conversation with the same settings, leaving this one's history untouched.</summary>
    [Parameter]
    public SwitchParameter Detached { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var conversation = ResolveConversation();
        if (conversation is null)
        {
            return;
        }

        var target = ResolveTarget();
        if (target is null)
        {
            return;
        }

        foreach (var name in NotForReviews)
        {
            if (MyInvocation.BoundParameters.ContainsKey(name))
            {
                ThrowTerminatingError(NewError("CodexReviewParameterNotSupported", ErrorCategory.InvalidArgument, name,
                    $"-{name} does not apply to a review: the runtime's review/start takes only a target."));
            }
        }

        if (!Detached && (WorkingDirectory is not null || Sandbox is not null || ApprovalPolicy is not null))
        {
            ThrowTerminatingError(NewError("CodexReviewParameterNotSupported", ErrorCategory.InvalidArgument, conversation,
                "-WorkingDirectory, -Sandbox and -ApprovalPolicy set up the new conversation of -Detached; an inline review runs with its conversation's settings."));
        }

        var options = BuildTurnOptions(model: null, effort: null);
        if (options is null)
        {
            return;
        }

        if (Detached)
        {
            conversation = StartDetached(conversation, options);
            if (conversation is null)
            {
                return;
            }
        }

        string? review = null;
        string? turnId = null;
        var completed = RunTurn(conversation, token => conversation.StartReviewAsync(target, options, token), options, evt =>
        {
            turnId ??= evt.TurnId;
            if (evt is ItemEvent { Kind: CodexEventKind.ItemCompleted, Item.ProtocolType: "exitedReviewMode" } exited)
            {
                review = CodexReviewResult.ReviewTextOf(exited.Item);
            }

            WriteObject(evt);
        });

        if (completed is not null)
        {
            WriteObject(new CodexReviewResult(conversation.Id, completed.TurnId ?? turnId, target, review, completed));
        }
    }

    private CodexReviewTarget? ResolveTarget()
    {
        var given = new List<string>();
        if (Uncommitted)
        {
            given.Add("-Uncommitted");
        }

        if (BaseBranch is not null)
        {
            given.Add("-BaseBranch");
        }

        if (Commit is not null)
        {
            given.Add("-Commit");
        }

        if (Instructions is not null)
        {
            given.Add("-Instructions");
        }

        if (given.Count != 1)
        {
            var message = given.Count == 0
                ? "Say what to review: -Uncommitted, -BaseBranch <branch>, -Commit <sha> or -Instructions <text>."
                : $"Give one review target, not {string.Join(" and ", given)}.";
            WriteError(NewError(given.Count == 0 ? "CodexReviewTargetMissing" : "CodexReviewTargetAmbiguous", ErrorCategory.InvalidArgument, given.Count == 0 ? null : string.Join(",", given), message));
            return null;
        }

        try
        {
            return Uncommitted ? CodexReviewTarget.Uncommitted()
                : BaseBranch is not null ? CodexReviewTarget.BaseBranch(BaseBranch)
                : Commit is not null ? CodexReviewTarget.Commit(Commit)
                : CodexReviewTarget.Custom(Instructions!);
        }
        catch (ArgumentException ex)
        {
            WriteError(new ErrorRecord(ex, "CodexReviewTargetEmpty", ErrorCategory.InvalidArgument, given[0]));
            return null;
        }
    }

    /// <summary>
    /// The runtime (0.169) accepts only inline delivery and says to review on a separate thread by starting one,
    /// so -Detached starts a conversation with the source's settings and reviews there.
    /// </summary>
    private CodexConversation? StartDetached(CodexConversation source, CodexTurnOptions options)
    {
        try
        {
            var detached = Await(source.Client.StartConversationAsync(new CodexConversationOptions
            {
                Model = source.Model,
                WorkingDirectory = options.WorkingDirectory ?? source.WorkingDirectory,
                Sandbox = options.Sandbox ?? source.Sandbox,
                ApprovalPolicy = options.ApprovalPolicy ?? source.ApprovalPolicy,
                RequestHandler = source.RequestHandler,
            }, CancellationToken));
            WriteVerbose($"Reviewing in the new conversation {detached.Id} (detached from {source.Id}).");
            return detached;
        }
        catch (Exception ex) when (ex is not PipelineStoppedException && !CancellationToken.IsCancellationRequested)
        {
            WriteError(ToErrorRecord(ex, source));
            return null;
        }
    }
}
