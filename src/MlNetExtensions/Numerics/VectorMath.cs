using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MlNetExtensions.Numerics;

/// <summary>Small SIMD helpers on contiguous spans shared by the trainers.</summary>
internal static class VectorMath
{
    /// <summary>True when no value is NaN or infinite (x·0 is 0 exactly for finite x and NaN otherwise).</summary>
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
}
