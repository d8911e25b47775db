using System.Management.Automation;
using TalosSeccomp.Errors;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>The one place engine failures become PowerShell ErrorRecords.</summary>
internal static class ErrorMapping
{
    internal static ErrorRecord ToErrorRecord(Exception exception, object? target = null)
    {
        if (exception is TalosSeccompException engine)
        {
            // ErrorKind names are ErrorCategory names by design.
            var category = Enum.TryParse<ErrorCategory>(engine.Kind.ToString(), out var parsed) ? parsed : ErrorCategory.NotSpecified;
            return new ErrorRecord(engine, engine.ErrorId, category, target ?? engine.Target);
        }

        if (exception is OperationCanceledException)
        {
            return new ErrorRecord(exception, "OperationStopped", ErrorCategory.OperationStopped, target);
        }

        // Anything unanticipated still surfaces as a message, never a stack trace in the record's text.
        return new ErrorRecord(exception, "UnexpectedError," + exception.GetType().Name, ErrorCategory.NotSpecified, target)
        {
            ErrorDetails = new ErrorDetails(exception.Message),
        };
    }
}
