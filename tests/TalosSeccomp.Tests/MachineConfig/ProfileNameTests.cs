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

    [Fact]
    public void NamesLongerThanNameMaxAreRefusedEverywhereANameIsTaken()
    {
        var longest = new string('a', 250) + ".json";
        var tooLong = new string('a', 251) + ".json";

        Assert.Equal(longest, ProfileName.Validate(longest));
        var ex = Assert.Throws<TalosSeccompException>(() => ProfileName.Validate(tooLong));
        Assert.Equal(("UnsafeProfileName", ErrorKind.InvalidArgument), (ex.ErrorId, ex.Kind));
        Assert.Contains("256 bytes", ex.Message);
        Assert.Contains("at most 255", ex.Message);

        var remove = Assert.Throws<TalosSeccompException>(() => TalosSeccomp.Talos.Deployment.SeccompProfileEdit.Remove([tooLong]));
        Assert.Equal("UnsafeProfileName", remove.ErrorId);
        Assert.Equal(tooLong[..10] + "*", TalosSeccomp.Talos.Deployment.SeccompProfileEdit.Remove([tooLong[..10] + "*"]).Name);
        var set = Assert.Throws<TalosSeccompException>(() => TalosSeccomp.MachineConfig.MachineConfigSeccompEditor.Set("version: v1alpha1\n", tooLong, new System.Text.Json.Nodes.JsonObject()));
        Assert.Equal("UnsafeProfileName", set.ErrorId);
    }
}
