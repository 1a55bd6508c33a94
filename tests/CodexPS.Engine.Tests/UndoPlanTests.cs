using System.Text;
using CodexPS.Engine.Conversations;
using CodexPS.Engine.Undo;

namespace CodexPS.Engine.Tests;

/// <summary>Undo's in-memory half: diffs reversed strictly, conflicts found before anything is touched.</summary>
public sealed class UndoPlanTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("codexps-undo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    private static string Blob(string text) => TextContent.GitBlobId(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void ReversesHunksIncludingAMissingFinalNewline()
    {
        var hunks = UnifiedDiffHunk.ParseAll("@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+B\n")!;
        var hunk = Assert.Single(hunks);
        Assert.True(hunk.OldNoNewline);
        Assert.False(hunk.NewNoNewline);
        var before = TextContent.FromText("a\nB\n").Unapply(hunks, out var mismatch);
        Assert.Null(mismatch);
        Assert.Equal("a\nb", before!.ToText());
    }

    [Fact]
    public void ReversesPureInsertionsAndDeletionsByTheirHeaders()
    {
        // Line 2 was inserted; the old line 4 was removed (it stood after the new line 4).
        var hunks = UnifiedDiffHunk.ParseAll("@@ -1,0 +2 @@\n+new\n@@ -4 +4,0 @@\n-gone\n")!;
        Assert.Equal(2, hunks.Count);
        var before = TextContent.FromText("one\nnew\ntwo\nthree\n").Unapply(hunks, out var mismatch);
        Assert.Null(mismatch);
        Assert.Equal("one\ntwo\nthree\ngone\n", before!.ToText());
    }

    [Fact]
    public void ALineChangedWhereTheTurnWroteIsAMismatch()
    {
        var hunks = UnifiedDiffHunk.ParseAll("@@ -1 +1 @@\n-x\n+y\n")!;
        Assert.Null(TextContent.FromText("z\n").Unapply(hunks, out var mismatch));
        Assert.Contains("lines 1-1", mismatch, StringComparison.Ordinal);
        Assert.Null(UnifiedDiffHunk.ParseAll("@@ -1 +1 @@\nnot diff syntax\n"));
    }

    [Fact]
    public void APlanFromATurnDiffChecksBlobIdsAndComputesTheOriginals()
    {
        Write("app.txt", "new\nkeep\n");
        Write("added.txt", "hello\n");
        var diff = new CodexTurnDiff("c1", "t1",
            $"diff --git a/app.txt b/app.txt\nindex {Blob("old\nkeep\n")}..{Blob("new\nkeep\n")}\n--- a/app.txt\n+++ b/app.txt\n@@ -1,2 +1,2 @@\n-old\n+new\n keep\n" +
            $"diff --git a/gone.txt b/gone.txt\ndeleted file mode 100644\nindex {Blob("bye\n")}..0000000000000000000000000000000000000000\n--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n" +
            $"diff --git a/added.txt b/added.txt\nnew file mode 100644\nindex 0000000000000000000000000000000000000000..{Blob("hello\n")}\n--- /dev/null\n+++ b/added.txt\n@@ -0,0 +1 @@\n+hello\n");
        var steps = CodexUndoStepReader.FromTurnDiff(diff, _dir, 0).ToArray();
        var plan = CodexUndoPlan.Build("c1", new[] { "t1" }, steps);
        Assert.Empty(plan.Conflicts);
        Assert.Equal(new[] { "Remove", "Restore", "Recreate" }, plan.Files.Select(f => f.Action));
        var patch = Assert.Single(plan.Patches());
        Assert.Contains($"*** Delete File: {Path.Combine(_dir, "added.txt")}", patch, StringComparison.Ordinal);
        Assert.Contains($"*** Add File: {Path.Combine(_dir, "gone.txt")}\n+bye\n", patch, StringComparison.Ordinal);
        Assert.Contains("@@\n+old\n-new\n keep\n", patch, StringComparison.Ordinal);
    }

    [Fact]
    public void AnyChangeToAFileTheTurnLeftIsAConflictEvenOutsideItsLines()
    {
        Write("app.txt", "new\nkeep\nmine\n");
        var diff = new CodexTurnDiff("c1", "t1",
            $"diff --git a/app.txt b/app.txt\nindex {Blob("old\nkeep\n")}..{Blob("new\nkeep\n")}\n--- a/app.txt\n+++ b/app.txt\n@@ -1,2 +1,2 @@\n-old\n+new\n keep\n");
        var plan = CodexUndoPlan.Build("c1", new[] { "t1" }, CodexUndoStepReader.FromTurnDiff(diff, _dir, 0).ToArray());
        var conflict = Assert.Single(plan.Conflicts);
        Assert.Equal(Path.Combine(_dir, "app.txt"), conflict.Path);
        Assert.Contains("differs from what the turn left", conflict.Reason, StringComparison.Ordinal);
        Assert.Empty(plan.Patches());
    }

    [Fact]
    public void TwoTurnsOnOneFileChainNewestFirst()
    {
        Write("n.txt", "A\nB\nc\n");
        var one = new CodexTurnDiff("c1", "t1",
            $"diff --git a/n.txt b/n.txt\nindex {Blob("a\nb\nc\n")}..{Blob("a\nB\nc\n")}\n--- a/n.txt\n+++ b/n.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
        var two = new CodexTurnDiff("c1", "t2",
            $"diff --git a/n.txt b/n.txt\nindex {Blob("a\nB\nc\n")}..{Blob("A\nB\nc\n")}\n--- a/n.txt\n+++ b/n.txt\n@@ -1,2 +1,2 @@\n-a\n+A\n B\n");
        var steps = CodexUndoStepReader.FromTurnDiff(two, _dir, 0).Concat(CodexUndoStepReader.FromTurnDiff(one, _dir, 1)).ToArray();
        var plan = CodexUndoPlan.Build("c1", new[] { "t1", "t2" }, steps);
        Assert.Empty(plan.Conflicts);
        Assert.Equal(new[] { "t2", "t1" }, Assert.Single(plan.Files).TurnIds);
        Assert.Equal(2, plan.Patches().Count);
    }
}
