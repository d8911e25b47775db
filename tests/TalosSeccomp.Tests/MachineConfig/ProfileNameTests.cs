using TalosSeccomp.Errors;
using TalosSeccomp.MachineConfig;
using TalosSeccomp.Profiles;
using Xunit;

namespace TalosSeccomp.Tests.MachineConfig;

public class ProfileNameTests
{
    [Theory]
    [InlineData("audit.json")]
    [InlineData("a")]
    [InlineData("my_profile-v1.2.json")]
    [InlineData("...")]
    [InlineData(".hidden")]
    public void SafeNames(string name)
    {
        Assert.True(ProfileName.IsSafe(name));
        Assert.Equal(name, ProfileName.Validate(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("/abs")]
    [InlineData("x.json\n")]
    [InlineData("x\0")]
    [InlineData("prófile")]
    [InlineData("a b")]
    public void UnsafeNamesThrowUnsafeProfileName(string? name)
    {
        Assert.False(ProfileName.IsSafe(name));
        var ex = Assert.Throws<TalosSeccompException>(() => ProfileName.Validate(name));
        Assert.Equal(("UnsafeProfileName", ErrorKind.InvalidArgument), (ex.ErrorId, ex.Kind));
    }

    [Fact]
    public void LocalhostProfileIsUnderProfiles() => Assert.Equal("profiles/audit.json", ProfileName.ToLocalhostProfile("audit.json"));
}
