using TalosSeccomp.Formats;
using Xunit;

namespace TalosSeccomp.Tests.Formats;

public class WildcardTests
{
    [Theory]
    [InlineData("openat", "openat", true)]
    [InlineData("OpenAt", "openat", true)]
    [InlineData("open*", "openat", true)]
    [InlineData("open*", "open", true)]
    [InlineData("*at", "openat", true)]
    [InlineData("*at", "open", false)]
    [InlineData("o*n*t", "openat", true)]
    [InlineData("o*n*t", "openatx", false)]
    [InlineData("?lose", "close", true)]
    [InlineData("?lose", "lose", false)]
    [InlineData("[cd]lose", "close", true)]
    [InlineData("[a-c]lose", "Close", true)]
    [InlineData("[d-z]lose", "close", false)]
    [InlineData("runc:`[2:INIT`]", "runc:[2:INIT]", true)]
    [InlineData("runc:`[*", "runc:[2:INIT]", true)]
    [InlineData("*", "", true)]
    [InlineData("?*", "", false)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    [InlineData("a**b", "axxb", true)]
    [InlineData("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false)]
    public void MatchesLikePowerShellWildcards(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, Wildcard.Compile(pattern, ignoreCase: true, "P").IsMatch(text));
    }
}
