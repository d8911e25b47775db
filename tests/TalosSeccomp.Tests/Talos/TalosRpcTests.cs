using Google.Protobuf.Reflection;
using TalosSeccomp.Talos;
using Xunit;

namespace TalosSeccomp.Tests.Talos;

/// <summary>The one table of the Talos RPCs the module calls, checked against the generated protos.</summary>
public sealed class TalosRpcTests
{
    private static readonly ServiceDescriptor[] Services =
    [
        TalosSeccomp.Talos.Wire.Machine.MachineService.Descriptor,
        TalosSeccomp.Talos.Wire.Cosi.State.Descriptor,
    ];

    [Fact]
    public void EveryRpcOfTheTableIsInTheProtosWithItsShape()
    {
        foreach (var rpc in TalosRpc.All)
        {
            var method = Services.SelectMany(s => s.Methods).SingleOrDefault(m => $"/{m.Service.FullName}/{m.Name}" == rpc.Method);
            Assert.True(method is not null, $"{rpc.Method} is not in the protos");
            Assert.False(method!.IsClientStreaming);
            Assert.Equal(rpc.Kind == TalosRpcKind.ServerStreaming, method.IsServerStreaming);
            Assert.Equal(method.Name, rpc.Name);
        }

        Assert.Equal(TalosRpc.All.Count, TalosRpc.All.Select(r => r.Method).Distinct().Count());
    }

    [Fact]
    public void RolesFollowUpstreamRulesWithAdminAsTheFallback()
    {
        Assert.True(TalosRpc.IsAllowed(TalosRpc.Logs.Method, [TalosRoles.Reader]));
        Assert.True(TalosRpc.IsAllowed(TalosRpc.Dmesg.Method, [TalosRoles.Operator]));
        Assert.False(TalosRpc.IsAllowed(TalosRpc.Read.Method, [TalosRoles.Reader, TalosRoles.Operator]));
        Assert.False(TalosRpc.IsAllowed(TalosRpc.ApplyConfiguration.Method, [TalosRoles.Operator]));
        Assert.True(TalosRpc.IsAllowed(TalosRpc.StateList.Method, [TalosRoles.Reader], TalosResources.SeccompProfileType));
        Assert.False(TalosRpc.IsAllowed(TalosRpc.StateGet.Method, [TalosRoles.Reader], TalosResources.MachineConfigType));
        Assert.True(TalosRpc.IsAllowed(TalosRpc.StateGet.Method, [TalosRoles.Admin], TalosResources.MachineConfigType));

        // A method outside the table needs admin (authorizer.go FallbackRoles), e.g. one the module never calls.
        Assert.Equal([TalosRoles.Admin], TalosRpc.RolesFor("/machine.MachineService/Reboot"));
        Assert.Null(TalosRpc.Find("/machine.MachineService/List"));
        Assert.False(TalosRpc.IsAllowed(TalosRpc.Version.Method, []));
    }
}
