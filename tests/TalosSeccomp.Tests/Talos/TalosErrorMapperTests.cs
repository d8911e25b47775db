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
        Assert.Equal(["os:admin"], TalosRpc.RolesFor("/cosi.resource.State/Get", TalosResources.MachineConfigType));
        Assert.Contains("os:reader", TalosRpc.RolesFor("/cosi.resource.State/Get", TalosResources.SeccompProfileType));
        Assert.Equal(["os:admin"], TalosRpc.RolesFor("/machine.MachineService/ApplyConfiguration"));
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

    [Theory]
    [InlineData(StatusCode.Unavailable, "nX is unreachable")]
    [InlineData(StatusCode.DeadlineExceeded, "nX did not complete Version")]
    [InlineData(StatusCode.NotFound, "nX refused Version")]
    public void NodeNamesKeepTheirSpelling(StatusCode code, string expected)
    {
        var mapped = TalosErrorMapper.Map(new RpcException(new Status(code, "x")), Version with { Node = "nX" });
        Assert.StartsWith(expected, mapped.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, "x", ErrorClass.Transient)]
    [InlineData(StatusCode.DeadlineExceeded, "x", ErrorClass.Transient)]
    [InlineData(StatusCode.Internal, "x", ErrorClass.Transient)]
    [InlineData(StatusCode.Unknown, "EOF", ErrorClass.Transient)]
    [InlineData(StatusCode.Cancelled, "x", ErrorClass.Transient)]
    [InlineData(StatusCode.NotFound, "stat /x: no such file or directory", ErrorClass.NotFound)]
    [InlineData(StatusCode.PermissionDenied, "not authorized", ErrorClass.PermissionDenied)]
    [InlineData(StatusCode.Unauthenticated, "x", ErrorClass.PermissionDenied)]
    [InlineData(StatusCode.InvalidArgument, "x", ErrorClass.Rejected)]
    [InlineData(StatusCode.Unimplemented, "x", ErrorClass.Rejected)]
    [InlineData(StatusCode.Aborted, "x", ErrorClass.Conflict)]
    // logging/circular.go: a plain Go error, so Unknown; the text is all upstream gives.
    [InlineData(StatusCode.Unknown, "log \"auditd\" was not registered", ErrorClass.MissingServiceLog)]
    // A "not found" in other words is no missing log (the old guess matched message text).
    [InlineData(StatusCode.Unknown, "container \"auditd\" not found", ErrorClass.Transient)]
    public void StatusCodesCarryTheirClassAndCode(StatusCode code, string detail, ErrorClass expected)
    {
        var mapped = Assert.IsType<TalosSeccompException>(TalosErrorMapper.Map(new RpcException(new Status(code, detail)), Version));

        Assert.Equal((expected, (StatusCode?)code), (mapped.Classification, mapped.GrpcStatus));
        Assert.Equal(expected == ErrorClass.Transient, mapped.IsTransient);
    }

    [Fact]
    public void AnUnregisteredLogIsNotFoundByIdAndKind()
    {
        var logs = Version with { Method = TalosRpc.Logs.Method };
        var mapped = Assert.IsType<TalosSeccompException>(TalosErrorMapper.Map(new RpcException(new Status(StatusCode.Unknown, "log \"auditd\" was not registered")), logs));

        Assert.Equal((ErrorIds.TalosNotFound, ErrorKind.ObjectNotFound), (mapped.ErrorId, mapped.Kind));
        Assert.Equal("10.5.0.3 refused Logs: log \"auditd\" was not registered", mapped.Message);
    }

    [Fact]
    public void TransportFailuresAreClassifiedAndNothingForeignEscapes()
    {
        var tls = (TalosSeccompException)TalosErrorMapper.Map(new TalosTlsException(TlsFailureSide.Client, "127.0.0.1:50000", "untrusted"), Version);
        var reset = (TalosSeccompException)TalosErrorMapper.Map(new IOException("connection reset"), Version);
        var http = (TalosSeccompException)TalosErrorMapper.Map(new HttpRequestException("HTTP/2 stream reset"), Version);
        var socket = (TalosSeccompException)TalosErrorMapper.Map(new HttpRequestException("x", new System.Net.Sockets.SocketException(111)), Version);
        var other = Assert.IsType<TalosSeccompException>(TalosErrorMapper.Map(new InvalidOperationException("the channel is disposed"), Version));

        Assert.Equal((ErrorClass.Tls, (StatusCode?)null), (tls.Classification, tls.GrpcStatus));
        Assert.Equal((ErrorIds.TalosCallFailed, ErrorClass.Transient), (reset.ErrorId, reset.Classification));
        Assert.Equal((ErrorIds.TalosCallFailed, ErrorClass.Transient), (http.ErrorId, http.Classification));
        Assert.Equal((ErrorIds.TalosNodeUnreachable, ErrorClass.Transient), (socket.ErrorId, socket.Classification));
        Assert.Equal((ErrorIds.TalosCallFailed, ErrorClass.None), (other.ErrorId, other.Classification));
        Assert.Contains("the channel is disposed", other.Message);
        Assert.IsType<InvalidOperationException>(other.InnerException);
    }
}
