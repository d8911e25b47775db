using TalosSeccomp.Errors;
using TalosSeccomp.Profiles;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace TalosSeccomp.Tests.Profiles;

public class SeccompSecurityContextTests
{
    [Fact]
    public void PodLevelYamlMatchesTheTalosGuide()
    {
        var yaml = SeccompSecurityContext.ForProfileName("audit.json", SecurityContextLevel.Pod).ToYaml();
        Assert.Equal("spec:\n  securityContext:\n    seccompProfile:\n      type: Localhost\n      localhostProfile: profiles/audit.json\n", yaml.Replace("\r\n", "\n"));
    }

    [Fact]
    public void ContainerLevelYamlIsTheSecurityContextBlock()
    {
        var context = SeccompSecurityContext.ForLocalhostProfile("profiles/app.json", SecurityContextLevel.Container);
        Assert.Equal("app.json", context.ProfileName);
        var stream = new YamlStream();
        stream.Load(new StringReader(context.ToYaml()));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var profile = (YamlMappingNode)((YamlMappingNode)root["securityContext"])["seccompProfile"];
        Assert.Equal("Localhost", profile["type"].ToString());
        Assert.Equal("profiles/app.json", profile["localhostProfile"].ToString());
    }

    [Fact]
    public void NamesThatLookLikeYamlAreQuoted()
    {
        var yaml = SeccompSecurityContext.ForLocalhostProfile("profiles/true", SecurityContextLevel.Container).ToYaml();
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        Assert.Contains("profiles/true", yaml, StringComparison.Ordinal);
        Assert.Equal("Localhost", ((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["securityContext"])["seccompProfile"])["type"].ToString());
    }

    [Theory]
    [InlineData("/var/lib/kubelet/seccomp/profiles/a.json")]
    [InlineData("profiles/../../etc/passwd")]
    [InlineData("profiles//a")]
    [InlineData("")]
    public void BadLocalhostProfilesAreRefused(string path)
    {
        var ex = Assert.Throws<TalosSeccompException>(() => SeccompSecurityContext.ForLocalhostProfile(path, SecurityContextLevel.Pod));
        Assert.Equal(("InvalidLocalhostProfile", ErrorKind.InvalidArgument), (ex.ErrorId, ex.Kind));
    }

    [Fact]
    public void UnsafeProfileNamesAreRefused()
    {
        var ex = Assert.Throws<TalosSeccompException>(() => SeccompSecurityContext.ForProfileName("../x", SecurityContextLevel.Pod));
        Assert.Equal("UnsafeProfileName", ex.ErrorId);
    }
}
