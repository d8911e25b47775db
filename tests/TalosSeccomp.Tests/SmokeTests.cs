using TalosSeccomp.Errors;
using Xunit;

namespace TalosSeccomp.Tests;

public class ErrorModelTests
{
    [Fact]
    public void ExceptionCarriesIdKindAndTarget()
    {
        var ex = new TalosSeccompException("InvalidSeccompAction", ErrorKind.InvalidArgument, "bad", "node-1");
        Assert.Equal(("InvalidSeccompAction", ErrorKind.InvalidArgument, "node-1"), (ex.ErrorId, ex.Kind, ex.Target));
    }
}
