using Grpc.Core;
using TalosSeccomp.Errors;
using TalosSeccomp.Talos;
using TalosSeccomp.Talos.Transport;
using Xunit;

namespace TalosSeccomp.Tests.Talos;

public sealed class TalosErrorMapperTests
{
    private static readonly TalosCallContext Version = new("/machine.MachineService/Version", "10.5.0.3", "127.0.0.1:50000", ["os:reader"], TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData(StatusCode.Unavailable, "TalosNodeUnreachable", ErrorKind.ConnectionError)]
    [InlineData(StatusCode.DeadlineExceeded, "TalosTimeout", ErrorKind.OperationTimeout)]
    [InlineData(StatusCode.InvalidArgument, "TalosInvalidArgument", ErrorKind.InvalidArgument)]
    [InlineData(StatusCode.FailedPrecondition, "TalosFailedPrecondition", ErrorKind.InvalidOperation)]
    [InlineData(StatusCode.NotFound, "TalosNotFound", ErrorKind.ObjectNotFound)]
    [InlineData(StatusCode.Unimplemented, "TalosUnimplemented", ErrorKind.InvalidOperation)]
    [InlineData(StatusCode.PermissionDenied, "TalosPermissionDenied", ErrorKind.PermissionDenied)]
    [InlineData(StatusCode.Internal, "TalosNodeInternalError", ErrorKind.NotSpecified)]
    [InlineData(StatusCode.Unknown, "TalosNodeRefused", ErrorKind.InvalidOperation)]
    [InlineData(StatusCode.ResourceExhausted, "TalosResourceExhausted", ErrorKind.LimitsExceeded)]
    [InlineData(StatusCode.OutOfRange, "TalosInvalidArgument", ErrorKind.InvalidArgument)]
    public void StatusCodesMapToSpecificIds(StatusCode code, string errorId, ErrorKind kind)
    {
        var mapped = Assert.IsType<TalosSeccompException>(TalosErrorMapper.Map(new RpcException(new Status(code, "node says no")), Version));

        Assert.Equal((errorId, kind, "10.5.0.3"), (mapped.ErrorId, mapped.Kind, mapped.Target));
        Assert.Contains("10.5.0.3", mapped.Message);
        if (code is not StatusCode.DeadlineExceeded)
        {
            Assert.Contains("node says no", mapped.Message);
        }
    }

    [Fact]
    public void ClientSideFailuresAreTransportErrorsWithoutDotNetTypeNames()
    {
        var http = new HttpRequestException("An error occurred while sending the request.", new IOException("The response ended prematurely."));
        var rpc = new RpcException(new Status(StatusCode.Internal,
            "Error starting gRPC call. HttpRequestException: An error occurred while sending the request. IOException: The response ended prematurely.", http));

        var mapped = Assert.IsType<TalosSeccompException>(TalosErrorMapper.Map(rpc, Version));

        Assert.Equal(("TalosTransportFailed", ErrorKind.ConnectionError), (mapped.ErrorId, mapped.Kind));
        Assert.DoesNotContain("Exception", mapped.Message);
        Assert.Contains("The response ended prematurely", mapped.Message);

        var unavailable = new RpcException(new Status(StatusCode.Unavailable, "Error starting gRPC call. HttpRequestException: Connection refused (127.0.0.1:50000) SocketException: Connection refused", http));
        Assert.DoesNotContain("Exception", TalosErrorMapper.Map(unavailable, Version).Message);
    }

    [Fact]
    public void PermissionDeniedNamesRolesHeldAndNeeded()
    {
        var read = Version with { Method = "/machine.MachineService/Read" };
        var message = TalosErrorMapper.Map(new RpcException(new Status(StatusCode.PermissionDenied, "not authorized")), read).Message;

        Assert.Contains("roles os:reader", message);
        Assert.Contains("needs os:admin", message);
        Assert.Equal(["os:admin"], TalosErrorMapper.RolesAllowed("/cosi.resource.State/Get", TalosResources.MachineConfigType));
        Assert.Contains("os:reader", TalosErrorMapper.RolesAllowed("/cosi.resource.State/Get", TalosResources.SeccompProfileType));
        Assert.Equal(["os:admin"], TalosErrorMapper.RolesAllowed("/machine.MachineService/ApplyConfiguration"));
    }

    [Fact]
    public void TlsFailureIsFoundBehindHttpAndGrpcWrapping()
    {
        var tls = new TalosTlsException(TlsFailureSide.Node, "127.0.0.1:50000", "it rejected the client certificate (bad_certificate)");
        var wrapped = new RpcException(new Status(StatusCode.Unavailable, "Error starting gRPC call.", new HttpRequestException("An error occurred", tls)));

        var mapped = Assert.IsType<TalosSeccompException>(TalosErrorMapper.Map(wrapped, Version));

        Assert.Equal(("TalosTlsFailure", ErrorKind.SecurityError), (mapped.ErrorId, mapped.Kind));
        Assert.Contains("the node refused this client", mapped.Message);
        Assert.Contains("bad_certificate", mapped.Message);
    }

    [Fact]
    public void CancellationByTheCallerStaysCancellation()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var mapped = TalosErrorMapper.Map(new RpcException(new Status(StatusCode.Cancelled, "")), Version, cancelled.Token);

        Assert.IsType<OperationCanceledException>(mapped);
    }

    [Fact]
    public void EndpointsOwnNodeIsDescribed()
    {
        var mapped = TalosErrorMapper.Map(new RpcException(new Status(StatusCode.NotFound, "missing")), Version with { Node = null });
        Assert.Contains("The node behind 127.0.0.1:50000", mapped.Message);
        Assert.Equal("127.0.0.1:50000", ((TalosSeccompException)mapped).Target);
    }
}
