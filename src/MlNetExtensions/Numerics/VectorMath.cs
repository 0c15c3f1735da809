using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MlNetExtensions.Numerics;

/// <summary>Small SIMD helpers on contiguous spans shared by the trainers: float data widened to double arithmetic.</summary>
internal static class VectorMath
{
    /// <summary>True when no value is NaN or infinite (x·0 is 0 exactly for finite x and NaN otherwise).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count)
        {
            ref float start = ref MemoryMarshal.GetReference(values);
            var acc = Vector256<float>.Zero;
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                acc += Vector256.LoadUnsafe(ref start, (nuint)i) * Vector256<float>.Zero;
            if (!Vector256.EqualsAll(acc, Vector256<float>.Zero)) return false;
        }
        for (; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return false;
        return true;
    }

    /// <summary>target[k] = (x[k] − shift[k]) · scale in double, for k &lt; x.Length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ShiftScaleToDouble(ReadOnlySpan<float> x, ReadOnlySpan<double> shift, double scale, Span<double> target)
    {
        int n = x.Length;
        if (shift.Length < n || target.Length < n) throw new ArgumentException("shift and target must be at least as long as x.");
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref double ss = ref MemoryMarshal.GetReference(shift);
            ref double ts = ref MemoryMarshal.GetReference(target);
            var factor = Vector256.Create(scale);
            for (; k <= n - Vector256<float>.Count; k += Vector256<float>.Count)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref xs, (nuint)k));
                ((lo - Vector256.LoadUnsafe(ref ss, (nuint)k)) * factor).StoreUnsafe(ref ts, (nuint)k);
                ((hi - Vector256.LoadUnsafe(ref ss, (nuint)(k + 4))) * factor).StoreUnsafe(ref ts, (nuint)(k + 4));
            }
        }
        for (; k < n; k++) target[k] = (x[k] - shift[k]) * scale;
    }

    /// <summary>xᵀθ with x in float and θ in double, accumulated in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<double> theta)
    {
        int n = x.Length, i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref double ts = ref MemoryMarshal.GetReference(theta);
            Vector256<double> a0 = default, a1 = default;
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref xs, (nuint)i));
                a0 = Vector256.FusedMultiplyAdd(lo, Vector256.LoadUnsafe(ref ts, (nuint)i), a0);
                a1 = Vector256.FusedMultiplyAdd(hi, Vector256.LoadUnsafe(ref ts, (nuint)(i + 4)), a1);
            }
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++) sum += x[i] * theta[i];
        return sum;
    }

    /// <summary>target[k] = a·x[k] for k &lt; x.Length, x in float widened to double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleToDouble(ReadOnlySpan<float> x, double a, Span<double> target)
    {
        int n = x.Length, i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref double ts = ref MemoryMarshal.GetReference(target);
            var va = Vector256.Create(a);
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref xs, (nuint)i));
                (va * lo).StoreUnsafe(ref ts, (nuint)i);
                (va * hi).StoreUnsafe(ref ts, (nuint)(i + 4));
            }
        }
        for (; i < n; i++) target[i] = a * x[i];
    }

    /// <summary>target += a·x, x in float widened to double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled(Span<double> target, double a, ReadOnlySpan<float> x)
    {
        int n = x.Length, i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref double ts = ref MemoryMarshal.GetReference(target);
            var va = Vector256.Create(a);
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref xs, (nuint)i));
                Vector256.FusedMultiplyAdd(va, lo, Vector256.LoadUnsafe(ref ts, (nuint)i)).StoreUnsafe(ref ts, (nuint)i);
                Vector256.FusedMultiplyAdd(va, hi, Vector256.LoadUnsafe(ref ts, (nuint)(i + 4))).StoreUnsafe(ref ts, (nuint)(i + 4));
            }
        }
        for (; i < n; i++) target[i] += a * x[i];
    }

    /// <summary>Σx² in double, in <see cref="SquareSum"/>'s order (8 values at a time from the start, then the rest).</summary>
    public static double SquaredNorm(ReadOnlySpan<float> values)
    {
        var sum = new SquareSum();
        AddSquares(ref sum, values);
        return sum.Total;
    }

    /// <summary>Adds the squares of <paramref name="values"/> to <paramref name="sum"/>, 8 at a time from the start, then the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddSquares(ref SquareSum sum, ReadOnlySpan<float> values)
    {
        var local = sum;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float start = ref MemoryMarshal.GetReference(values);
            for (; i + 8 <= values.Length; i += 8) local.Add(Vector256.LoadUnsafe(ref start, (nuint)i));
        }
        for (; i < values.Length; i++) local.Add(values[i]);
        sum = local;
    }
}

/// <summary>
/// A sum of squares of floats streamed 8 at a time and then one at a time, added up in a fixed order: each lane squares
/// and adds in float (one FMA per 8 values) for 64 vectors, then the lanes are added into double accumulators, and the
/// total adds the lanes, then the single values. Whoever streams the same values in the same chunks gets the same bits —
/// <see cref="VectorMath.SquaredNorm"/> over a span, or an optimizer step over the weights it has just written.
/// </summary>
internal struct SquareSum
{
    private const int VectorsPerFlush = 64;

    private Vector256<float> _partial;
    private Vector256<double> _low, _high;
    private double _single;
    private int _count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Vector256<float> values)
    {
        _partial = Vector256.FusedMultiplyAdd(values, values, _partial);
        if (++_count == VectorsPerFlush) Flush();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(float value) => _single += (double)value * value;

    private void Flush()
    {
        var (low, high) = Vector256.Widen(_partial);
        _low += low;
        _high += high;
        _partial = Vector256<float>.Zero;
        _count = 0;
    }

    public readonly double Total
    {
        get
        {
            var (low, high) = Vector256.Widen(_partial);
            low += _low;
            high += _high;
            double total = 0;
            for (int k = 0; k < Vector256<double>.Count; k++) total += low[k];
            for (int k = 0; k < Vector256<double>.Count; k++) total += high[k];
            return total + _single;
        }
    }
}
