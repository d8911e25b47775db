using System.Collections;
using System.Management.Automation;
using TalosSeccomp.Errors;
using TalosSeccomp.Formats;

namespace TalosSeccomp.Commands.Infrastructure;

/// <summary>
/// Tells which of a command's bound parameters came from $PSDefaultParameterValues. PowerShell binds those entries
/// before the pipeline, as if typed, and does not say so; a parameter counts as defaulted when an entry matching the
/// command and the parameter holds the value it was bound to (a script-block entry always counts).
/// </summary>
internal static class ConnectionDefaults
{
    /// <summary>The names in <paramref name="bound"/> that an entry of <paramref name="defaults"/> explains.</summary>
    /// <param name="defaults">$PSDefaultParameterValues (null when unset).</param>
    /// <param name="commandName">The running command's name.</param>
    /// <param name="bound">The parameters bound before the pipeline, by name.</param>
    internal static IEnumerable<string> BoundFromDefaults(IDictionary? defaults, string commandName, IReadOnlyDictionary<string, object?> bound)
    {
        if (defaults is null || defaults.Count == 0 || bound.Count == 0 || IsDisabled(defaults))
        {
            yield break;
        }

        foreach (var (name, value) in bound)
        {
            foreach (DictionaryEntry entry in defaults)
            {
                if (entry.Key is string key && Matches(key, commandName, name) && SameValue(entry.Value, value))
                {
                    yield return name;
                    break;
                }
            }
        }
    }

    private static bool IsDisabled(IDictionary defaults)
    {
        foreach (DictionaryEntry entry in defaults)
        {
            if (entry.Key is string key && key.Trim().Equals("Disabled", StringComparison.OrdinalIgnoreCase))
            {
                return LanguagePrimitives.IsTrue(entry.Value);
            }
        }

        return false;
    }

    private static bool Matches(string key, string commandName, string parameterName)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        try
        {
            return Wildcard.Compile(key[..colon].Trim(), ignoreCase: true).IsMatch(commandName)
                && Wildcard.Compile(key[(colon + 1)..].Trim(), ignoreCase: true).IsMatch(parameterName);
        }
        catch (TalosSeccompException)
        {
            return false; // not a pattern PowerShell would match either
        }
    }

    private static bool SameValue(object? entry, object? bound)
    {
        var left = entry is PSObject wrappedEntry ? wrappedEntry.BaseObject : entry;
        var right = bound is PSObject wrappedBound ? wrappedBound.BaseObject : bound;
        if (left is ScriptBlock || ReferenceEquals(left, right))
        {
            return true;
        }

        if (left is string || right is string)
        {
            return string.Equals(Single(left)?.ToString(), Single(right)?.ToString(), StringComparison.Ordinal);
        }

        if (left is IEnumerable leftItems && right is IEnumerable rightItems)
        {
            return leftItems.Cast<object?>().Select(Text).SequenceEqual(rightItems.Cast<object?>().Select(Text), StringComparer.Ordinal);
        }

        return Equals(left, right);
    }

    private static object? Single(object? value) =>
        value is IEnumerable items and not string && items.Cast<object?>().ToList() is [var only] ? only : value;

    private static string? Text(object? value) => (value is PSObject wrapped ? wrapped.BaseObject : value)?.ToString();
}
