using System.Management.Automation;
using TalosSeccomp.Profiles;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// Lets a profile parameter take the name <c>RuntimeDefault</c>: containerd's RuntimeDefault profile for Talos'
/// architectures (amd64 and arm64) and containerd's default capabilities (see <see cref="ContainerdRuntimeDefault"/>).
/// Anything else is passed on unchanged for the usual binding.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class BaseProfileTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>The name that stands for containerd's RuntimeDefault profile.</summary>
    public const string RuntimeDefault = "RuntimeDefault";

    /// <inheritdoc />
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value is string text && string.Equals(text.Trim(), RuntimeDefault, StringComparison.OrdinalIgnoreCase)
            ? ContainerdRuntimeDefault.Create()
            : inputData;
    }
}
