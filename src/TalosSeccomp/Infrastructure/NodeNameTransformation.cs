using System.Collections;
using System.Management.Automation;
using System.Net;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// Keeps -Node to node names. -Node takes strings from the pipeline, and PowerShell's binder would otherwise coerce
/// any piped object to a string for it (a profile piped into Set-TalosSeccompProfile would also become a "node"
/// named by its JSON). Strings, numbers and IP addresses pass; an object with a string Node property (TalosNode,
/// Get-TalosSeccompProfile output) gives that; anything else does not bind, so the binder tries the other parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class NodeNameTransformationAttribute : ArgumentTransformationAttribute
{
    /// <inheritdoc />
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value switch
        {
            null or string => value,
            IEnumerable items => items.Cast<object?>().Select(NodeName).ToArray(),
            _ => NodeName(value),
        };
    }

    private static object? NodeName(object? item)
    {
        var value = item is PSObject wrapped ? wrapped.BaseObject : item;
        if (value is null or string or IPAddress || value.GetType().IsPrimitive)
        {
            return value;
        }

        if (PSObject.AsPSObject(value).Properties["Node"]?.Value is string node)
        {
            return node;
        }

        // Not a node: a value that is not a string array (so binding without coercion skips it) and that cannot be
        // coerced to one (so binding with coercion fails too), which lets the binder go on to the other parameters.
        return new NotANode(value);
    }

    private sealed class NotANode(object value)
    {
        public override string ToString() => throw new PSInvalidCastException($"-Node takes node names (strings), not a {value.GetType().Name}.");
    }
}
