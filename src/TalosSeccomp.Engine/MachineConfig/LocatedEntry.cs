using TalosSeccomp.Formats;

namespace TalosSeccomp.MachineConfig;

/// <summary>One existing entry of the list and the node it was read from.</summary>
internal sealed record LocatedEntry(SeccompProfileEntry Entry, YNode Node);
