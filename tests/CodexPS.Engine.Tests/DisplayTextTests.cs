using CodexPS.Engine.Protocol;
using Xunit;

namespace CodexPS.Engine.Tests;

public class DisplayTextTests
{
    [Fact]
    public void EscapeSequencesAndControlCharactersBecomeVisible()
    {
        var text = "a\u001b[31mred\u001b[0m \u001b]0;title\u0007 x\ry\bz\u0000\u007f\u009b1m";
        var shown = DisplayText.Sanitize(text, 200);
        Assert.Equal("a\u241b[31mred\u241b[0m \u241b]0;title\u2407 x\u240dy\u2408z\u2400\u2421\ufffd1m", shown);
        Assert.DoesNotContain(shown, c => c < ' ' || c is >= '\u007f' and <= '\u009f');
    }

    [Fact]
    public void OneLineJoinsLinesAndCutsWithAnEllipsis()
    {
        Assert.Equal("first second third", DisplayText.Sanitize("  first\r\nsecond\tthird\n", 100));
        var cut = DisplayText.Sanitize(new string('x', 10_000), 80);
        Assert.Equal(80, cut.Length);
        Assert.EndsWith("x\u2026", cut);
        Assert.Equal("abc", DisplayText.Sanitize("abc", 3));
    }

    [Fact]
    public void KeepingLinesCutsEachLineAndKeepsTheRest()
    {
        var text = "short\r\n" + new string('y', 50) + "\nlast\rline";
        var shown = DisplayText.Sanitize(text, 10, keepLineBreaks: true);
        Assert.Equal("short\nyyyyyyyyy\u2026\nlast\u240dline", shown);
    }

    [Fact]
    public void NullStaysNullAndSurrogatePairsAreNotSplit()
    {
        Assert.Null(DisplayText.Sanitize(null, 10));
        var shown = DisplayText.Sanitize("ab\U0001F600cd", 4);
        Assert.Equal("ab\u2026", shown);
        Assert.Equal("bidi \ufffdevil\ufffd", DisplayText.Sanitize("bidi \u202eevil\u202c", 50));
    }
}
