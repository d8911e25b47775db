using TalosSeccomp.Audit.Attribution;
using Xunit;

namespace TalosSeccomp.Tests.Audit.Attribution;

public sealed class KubepodsCgroupTests
{
    private const string Id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Uid = "3b9f6c1e-8a2d-4f5b-9c7e-1d2a3b4c5d6e";

    [Theory]
    [InlineData("0::/kubepods/besteffort/pod" + Uid + "/" + Id + "\n")]
    [InlineData("0::/kubepods/burstable/pod" + Uid + "/" + Id + "\n")]
    [InlineData("0::/kubepods/pod" + Uid + "/" + Id + "\n")]
    [InlineData("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod3b9f6c1e_8a2d_4f5b_9c7e_1d2a3b4c5d6e.slice/cri-containerd-" + Id + ".scope\n")]
    [InlineData("0::/kubepods.slice/kubepods-pod3b9f6c1e_8a2d_4f5b_9c7e_1d2a3b4c5d6e.slice/cri-containerd-" + Id + ".scope\n")]
    [InlineData("12:pids:/kubepods/besteffort/pod" + Uid + "/" + Id + "\n4:memory:/kubepods/besteffort/pod" + Uid + "/" + Id + "\n0::/\n")]
    public void FindsThePodUidAndContainerIdInTheCgroupfsAndSystemdLayouts(string file)
    {
        Assert.True(KubepodsCgroup.TryParse(file, out var podUid, out var containerId));
        Assert.Equal(Uid, podUid);
        Assert.Equal(Id, containerId);
    }

    [Theory]
    [InlineData("0::/init\n")]
    [InlineData("0::/podruntime/kubelet\n")]
    [InlineData("0::/system/runtime\n")]
    [InlineData("0::/kubepods/besteffort\n")]
    [InlineData("0::/kubepods/besteffort/pod" + Uid + "\n")]
    [InlineData("0::/kubepods/besteffort/pod" + Uid + "/not-a-container-id\n")]
    [InlineData("0::/user.slice/user-0.slice/session-1.scope\n")]
    [InlineData("")]
    public void AnythingElseIsNotAContainer(string file)
    {
        Assert.False(KubepodsCgroup.TryParse(file, out _, out _));
    }

    [Fact]
    public void ReadsTheStartTimeAfterTheLastParenthesisOfTheComm()
    {
        var stat = "4242 (we ) ird) S 1 4242 4242 0 -1 4194560 0 0 0 0 3 1 0 0 20 0 1 0 987654 8388608 256 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

        Assert.True(KubepodsCgroup.TryParseStartTime(stat, out var start));
        Assert.Equal(987654UL, start);
        Assert.False(KubepodsCgroup.TryParseStartTime("4242 (x) S 1", out _));
    }
}
