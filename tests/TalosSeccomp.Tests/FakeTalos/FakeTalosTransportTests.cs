using Google.Protobuf.WellKnownTypes;
using TalosSeccomp.FakeTalos;
using Xunit;

namespace TalosSeccomp.Tests.FakeTalos;

public sealed class FakeTalosTransportTests
{
    [Theory]
    [InlineData("Ed25519")]
    [InlineData("EcdsaP256")]
    [InlineData("Rsa2048")]
    public async Task HandshakesWithEachKeyAlgorithmAndAnswersVersion(string keyAlgorithm)
    {
        await using var server = await FakeTalosServer.StartAsync(new FakeTalosOptions { KeyAlgorithm = keyAlgorithm, TalosVersion = "v1.11.9" });
        using var client = new FakeTalosTestClient(server, server.Pki.Admin);

        var reply = await client.Machine.VersionAsync(new Empty(), FakeTalosTestClient.On(null));

        Assert.Equal("v1.11.9", reply.Messages.Single().Version_.Tag);
        Assert.Equal(1, server.CompletedHandshakes);
    }
}
