using Grpc.Core;
using TalosSeccomp.FakeTalos;
using TalosSeccomp.Talos;
using TalosSeccomp.Talos.Wire.Cosi;
using TalosSeccomp.Talos.Wire.Machine;

namespace TalosSeccomp.Tests.FakeTalos;

/// <summary>
/// Raw wire clients over the module's TLS transport (a fresh connection each), for testing the fake node's
/// behaviour below the module's client API.
/// </summary>
internal sealed class FakeTalosTestClient : IDisposable
{
    private readonly TalosConnection connection;

    public FakeTalosTestClient(FakeTalosServer server, FakeClientIdentity identity)
    {
        var settings = TalosConnectionSettings.FromPem([server.Endpoint], server.Pki.CaCertificatePem, identity.CertificatePem, identity.KeyPem);
        connection = new TalosConnection(settings);
        Invoker = connection.Channel.CreateCallInvoker();
        Machine = new MachineService.MachineServiceClient(connection.Channel);
        State = new State.StateClient(connection.Channel);
    }

    public CallInvoker Invoker { get; }

    public MachineService.MachineServiceClient Machine { get; }

    public State.StateClient State { get; }

    /// <summary>Call options targeting a node (null: the endpoint's own node), with a deadline so a hang fails the test.</summary>
    public static CallOptions On(string? node, CancellationToken cancellationToken = default)
    {
        var headers = new Grpc.Core.Metadata();
        if (node is not null)
        {
            headers.Add("node", node);
        }

        return new CallOptions(headers, DateTime.UtcNow.AddSeconds(30), cancellationToken);
    }

    public void Dispose() => connection.Dispose();
}
