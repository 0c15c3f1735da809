using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MlNetExtensions.Numerics;

/// <summary>Small SIMD helpers on contiguous spans shared by the trainers.</summary>
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
}
