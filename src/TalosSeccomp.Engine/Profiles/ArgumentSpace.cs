using System.Numerics;

namespace TalosSeccomp.Profiles;

/// <summary>
/// Sets of 64-bit argument values as disjoint cubes: a cube is the values x with x &amp; Mask == Bits, which is
/// exactly what one SCMP_CMP_MASKED_EQ condition tests (mask 0: every value; mask all ones: SCMP_CMP_EQ). Every
/// OCI condition, its negation, and their intersections are unions of cubes, so the merger can split a syscall's
/// argument space by the conditions the inputs test and write each part back as conditions runc loads.
/// </summary>
internal static class ArgumentSpace
{
    internal readonly record struct Cube(ulong Mask, ulong Bits);

    internal static readonly IReadOnlyList<Cube> Everything = [new Cube(0, 0)];

    /// <summary>The values for which the condition holds.</summary>
    public static List<Cube> Of(SeccompArgument condition)
    {
        var v = condition.Value;
        return condition.Op switch
        {
            SeccompOperator.Equal => [new Cube(ulong.MaxValue, v)],
            SeccompOperator.NotEqual => Complement([new Cube(ulong.MaxValue, v)]),
            SeccompOperator.MaskedEqual => [new Cube(v, (condition.ValueTwo ?? 0) & v)],
            SeccompOperator.GreaterOrEqual => Interval(v, ulong.MaxValue),
            SeccompOperator.GreaterThan => v == ulong.MaxValue ? [] : Interval(v + 1, ulong.MaxValue),
            SeccompOperator.LessOrEqual => Interval(0, v),
            SeccompOperator.LessThan => v == 0 ? [] : Interval(0, v - 1),
            _ => [],
        };
    }

    /// <summary>[low, high] as aligned blocks.</summary>
    public static List<Cube> Interval(ulong low, ulong high)
    {
        var cubes = new List<Cube>();
        while (true)
        {
            // The largest aligned block starting at low that ends at or before high.
            var size = low == 0 ? 64 : BitOperations.TrailingZeroCount(low);
            while (size > 0 && (size == 64 ? high != ulong.MaxValue : low + ((1UL << size) - 1) > high))
            {
                size--;
            }

            var mask = size == 64 ? 0 : ~((1UL << size) - 1);
            cubes.Add(new Cube(mask, low));
            var last = size == 64 ? ulong.MaxValue : low + ((1UL << size) - 1);
            if (last >= high)
            {
                return cubes;
            }

            low = last + 1;
        }
    }

    /// <summary>The values in no cube of the (disjoint) set.</summary>
    public static List<Cube> Complement(IReadOnlyList<Cube> set)
    {
        List<Cube> result = [.. Everything];
        foreach (var cube in set)
        {
            var outside = new List<Cube>();
            var prefix = 0UL;
            for (var bit = 63; bit >= 0; bit--)
            {
                var b = 1UL << bit;
                if ((cube.Mask & b) != 0)
                {
                    outside.Add(new Cube(prefix | b, (cube.Bits & prefix) | (~cube.Bits & b)));
                    prefix |= b;
                }
            }

            result = Intersect(result, outside);
        }

        return result;
    }

    /// <summary>The values in both sets.</summary>
    public static List<Cube> Intersect(IReadOnlyList<Cube> a, IReadOnlyList<Cube> b)
    {
        var result = new List<Cube>();
        foreach (var x in a)
        {
            foreach (var y in b)
            {
                if (((x.Bits ^ y.Bits) & x.Mask & y.Mask) == 0)
                {
                    result.Add(new Cube(x.Mask | y.Mask, x.Bits | y.Bits));
                }
            }
        }

        return Simplify(result);
    }

    /// <summary>Joins cubes that differ in one tested bit until none do (the set is unchanged).</summary>
    public static List<Cube> Simplify(List<Cube> cubes)
    {
        var set = new HashSet<Cube>(cubes);
        bool changed;
        do
        {
            changed = false;
            foreach (var cube in set.ToList())
            {
                if (!set.Contains(cube))
                {
                    continue;
                }

                for (var rest = cube.Mask; rest != 0; rest &= rest - 1)
                {
                    var bit = rest & (~rest + 1);
                    var twin = new Cube(cube.Mask, cube.Bits ^ bit);
                    if (set.Remove(twin))
                    {
                        set.Remove(cube);
                        set.Add(new Cube(cube.Mask & ~bit, cube.Bits & ~bit));
                        changed = true;
                        break;
                    }
                }
            }
        }
        while (changed);

        return [.. set.OrderBy(c => c.Bits).ThenBy(c => c.Mask)];
    }

    /// <summary>The number of values in a disjoint set.</summary>
    public static UInt128 Size(IReadOnlyList<Cube> set)
    {
        UInt128 size = 0;
        foreach (var cube in set)
        {
            size += UInt128.One << (64 - BitOperations.PopCount(cube.Mask));
        }

        return size;
    }

    /// <summary>True when two disjoint sets hold the same values.</summary>
    public static bool SameValues(IReadOnlyList<Cube> a, IReadOnlyList<Cube> b)
    {
        var size = Size(a);
        return size == Size(b) && Size(Intersect(a, b)) == size;
    }

    /// <summary>The condition on argument <paramref name="index"/> for one cube; null for a cube that holds every value.</summary>
    public static SeccompArgument? ToCondition(uint index, Cube cube) => cube.Mask switch
    {
        0 => null,
        ulong.MaxValue => new SeccompArgument(index, cube.Bits, SeccompOperator.Equal),
        _ => new SeccompArgument(index, cube.Mask, SeccompOperator.MaskedEqual, cube.Bits),
    };

    /// <summary>
    /// Conditions whose union is the set: one condition from <paramref name="candidates"/> (or the negation of
    /// one) when it tests exactly these values, else one MASKED_EQ or EQ per cube. An entry of null means "every value".
    /// </summary>
    public static List<SeccompArgument?> ToConditions(uint index, IReadOnlyList<Cube> set, IEnumerable<SeccompArgument> candidates)
    {
        if (set.Count == 1 && set[0].Mask == 0)
        {
            return [null];
        }

        foreach (var candidate in candidates)
        {
            foreach (var option in new[] { candidate, Negate(candidate) })
            {
                if (option is not null && SameValues(Of(option), set))
                {
                    return [new SeccompArgument(index, option.Value, option.Op, option.ValueTwo)];
                }
            }
        }

        // Readable forms where the set is a few ranges: EQ for a point, LE/GE for a range touching 0 or the top.
        var expanded = set.SelectMany(Expand).ToList();
        if (expanded.All(IsRange))
        {
            var ranges = expanded.Select(c => (Low: c.Bits, High: c.Bits | ~c.Mask)).OrderBy(r => r.Low).ToList();
            var joined = new List<(ulong Low, ulong High)>();
            foreach (var range in ranges)
            {
                if (joined.Count > 0 && joined[^1].High != ulong.MaxValue && joined[^1].High + 1 == range.Low)
                {
                    joined[^1] = (joined[^1].Low, range.High);
                }
                else
                {
                    joined.Add(range);
                }
            }

            var result = new List<SeccompArgument?>();
            foreach (var (low, high) in joined)
            {
                if (low == high)
                {
                    result.Add(new SeccompArgument(index, low, SeccompOperator.Equal));
                }
                else if (low == 0)
                {
                    result.Add(new SeccompArgument(index, high, SeccompOperator.LessOrEqual));
                }
                else if (high == ulong.MaxValue)
                {
                    result.Add(new SeccompArgument(index, low, SeccompOperator.GreaterOrEqual));
                }
                else
                {
                    result.AddRange(Interval(low, high).Select(c => ToCondition(index, c)));
                }
            }

            return result;
        }

        return set.Select(c => ToCondition(index, c)).ToList();
    }

    /// <summary>True when the cube is one range of values (its untested bits are the lowest ones).</summary>
    private static bool IsRange(Cube cube)
    {
        var free = ~cube.Mask;
        return (free & (free + 1)) == 0;
    }

    /// <summary>A cube with a few untested bits in the middle, as its points; others unchanged.</summary>
    private static IEnumerable<Cube> Expand(Cube cube)
    {
        var free = ~cube.Mask;
        if (IsRange(cube) || BitOperations.PopCount(free) > 3)
        {
            yield return cube;
            yield break;
        }

        // Every subset of the free bits.
        for (var subset = free; ; subset = (subset - 1) & free)
        {
            yield return new Cube(ulong.MaxValue, cube.Bits | subset);
            if (subset == 0)
            {
                yield break;
            }
        }
    }

    private static SeccompArgument? Negate(SeccompArgument c) => c.Op switch
    {
        SeccompOperator.Equal => new SeccompArgument(c.Index, c.Value, SeccompOperator.NotEqual),
        SeccompOperator.NotEqual => new SeccompArgument(c.Index, c.Value, SeccompOperator.Equal),
        SeccompOperator.LessThan => new SeccompArgument(c.Index, c.Value, SeccompOperator.GreaterOrEqual),
        SeccompOperator.GreaterOrEqual => new SeccompArgument(c.Index, c.Value, SeccompOperator.LessThan),
        SeccompOperator.LessOrEqual => new SeccompArgument(c.Index, c.Value, SeccompOperator.GreaterThan),
        SeccompOperator.GreaterThan => new SeccompArgument(c.Index, c.Value, SeccompOperator.LessOrEqual),
        _ => null,
    };

    /// <summary>One part of a syscall's argument space: per tested argument, a set of values; every input profile acts the same on all of it.</summary>
    internal sealed record Cell(IReadOnlyDictionary<uint, List<Cube>> Sets, IReadOnlyList<string> Description)
    {
        /// <summary>
        /// Argument values inside the cell (0 for untested arguments); with <paramref name="narrow"/>, values of 32
        /// bits, or null when the cell has none (a 32-bit architecture never passes its values).
        /// </summary>
        public ulong[]? Witness(bool narrow = false)
        {
            var args = new ulong[6];
            foreach (var (index, set) in Sets)
            {
                var inside = narrow ? Intersect(set, Interval(0, uint.MaxValue)) : set;
                if (inside.Count == 0)
                {
                    return null;
                }

                args[index] = inside[0].Bits;
            }

            return args;
        }

        /// <summary>The cell's conditions in words, e.g. "arg0 == 0x28".</summary>
        public string Text => string.Join(" && ", Description);
    }

    /// <summary>
    /// Splits the argument space by the conditions: every combination of holding and failing conditions that some
    /// values reach is one cell. Conditions on different arguments combine as a product.
    /// </summary>
    public static List<Cell> Partition(IEnumerable<SeccompArgument> conditions)
    {
        var byIndex = conditions
            .GroupBy(c => c.Index)
            .OrderBy(g => g.Key)
            .Select(g => (Index: g.Key, Regions: Regions(g.DistinctBy(c => c.Signature).ToList())))
            .ToList();
        var cells = new List<Cell> { new(new Dictionary<uint, List<Cube>>(), []) };
        foreach (var (index, regions) in byIndex)
        {
            var next = new List<Cell>();
            foreach (var cell in cells)
            {
                foreach (var (set, words) in regions)
                {
                    var sets = new Dictionary<uint, List<Cube>>(cell.Sets) { [index] = set };
                    next.Add(new Cell(sets, [.. cell.Description, .. words]));
                }
            }

            cells = next;
        }

        return cells;
    }

    private static List<(List<Cube> Set, List<string> Words)> Regions(List<SeccompArgument> conditions)
    {
        var regions = new List<(List<Cube> Set, List<string> Holding, List<string> Failing)> { ([.. Everything], [], []) };
        foreach (var condition in conditions)
        {
            var holds = Of(condition);
            var fails = Complement(holds);
            var next = new List<(List<Cube>, List<string>, List<string>)>();
            foreach (var (set, holding, failing) in regions)
            {
                var inside = Intersect(set, holds);
                if (inside.Count > 0)
                {
                    next.Add((inside, [.. holding, condition.ToString()], failing));
                }

                var outside = Intersect(set, fails);
                if (outside.Count > 0)
                {
                    next.Add((outside, holding, [.. failing, Negate(condition)?.ToString() ?? $"!({condition})"]));
                }
            }

            regions = next;
        }

        // A holding condition says more than the failing ones it implies (arg0 == 8 implies arg0 != 0).
        return regions.Select(r => (r.Set, r.Holding.Count > 0 ? r.Holding : r.Failing)).ToList();
    }
}
