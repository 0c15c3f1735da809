using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MlNetExtensions.Data;

namespace MlNetExtensions.Numerics.Glm;

/// <summary>
/// The row passes of <see cref="GlmKernels"/> over rows in compressed sparse row form: each touches only a row's stored
/// non-zeros (a gather for the score, a scatter-add for the gradient, the pairs of non-zeros for the Hessian), so a pass
/// costs O(nnz) (the Hessian O(Σ nnzᵣ²)) instead of O(n·d). Same parameter layout [θ, b] and the same sums as the dense
/// kernels, in the order of the stored values.
/// </summary>
internal static class SparseGlmKernels
{
    /// <summary>Rows [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="rows"/>: see
    /// <see cref="GlmKernels.LossAndGradient{TLoss}"/>; <paramref name="labels"/> and <paramref name="weights"/> are indexed by row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static GlmPassResult LossAndGradient<TLoss>(SparseRows rows, int from, int to, ReadOnlySpan<float> labels,
        ReadOnlySpan<float> weights, ReadOnlySpan<double> parameters, Span<double> gradient) where TLoss : IGlmLoss
    {
        int d = rows.FeatureCount;
        if (parameters.Length <= d || gradient.Length <= d) throw new ArgumentException("The parameter and gradient vectors need d + 1 entries.");
        double bias = parameters[d];
        var offsets = rows.Offsets;
        // Indices were checked against d when the rows were read: the gather and scatter loops index without bounds checks.
        ref int index0 = ref MemoryMarshal.GetArrayDataReference(rows.Indices);
        ref float value0 = ref MemoryMarshal.GetArrayDataReference(rows.Values);
        ref double theta0 = ref MemoryMarshal.GetReference(parameters);
        ref double gradient0 = ref MemoryMarshal.GetReference(gradient);
        var sums = new GlmPassSums<TLoss>();
        for (int r = from; r < to; r++)
        {
            double w = weights.IsEmpty ? 1.0 : weights[r];
            if (w == 0) continue;
            int start = offsets[r], end = offsets[r + 1];
            double residual = sums.Add(w, labels[r], bias + Dot(ref index0, ref value0, ref theta0, start, end));
            for (int k = start; k < end; k++)
                Unsafe.Add(ref gradient0, Unsafe.Add(ref index0, k)) += residual * Unsafe.Add(ref value0, k);
        }
        return sums.Finish(gradient, d);
    }

    /// <summary>
    /// Σ values[k]·v[indices[k]] over k in [start, end), in four interleaved partial sums (the additions of one running sum
    /// would wait on each other). The indices were checked against v's length when the rows were read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Dot(ref int index0, ref float value0, ref double v0, int start, int end)
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int k = start;
        for (; k + 4 <= end; k += 4)
        {
            s0 += Unsafe.Add(ref value0, k) * Unsafe.Add(ref v0, Unsafe.Add(ref index0, k));
            s1 += Unsafe.Add(ref value0, k + 1) * Unsafe.Add(ref v0, Unsafe.Add(ref index0, k + 1));
            s2 += Unsafe.Add(ref value0, k + 2) * Unsafe.Add(ref v0, Unsafe.Add(ref index0, k + 2));
            s3 += Unsafe.Add(ref value0, k + 3) * Unsafe.Add(ref v0, Unsafe.Add(ref index0, k + 3));
        }
        for (; k < end; k++) s0 += Unsafe.Add(ref value0, k) * Unsafe.Add(ref v0, Unsafe.Add(ref index0, k));
        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>Row <paramref name="r"/>'s x·v (v at least d long).</summary>
    private static double RowDot(SparseRows rows, int r, ReadOnlySpan<double> v)
        => Dot(ref MemoryMarshal.GetArrayDataReference(rows.Indices), ref MemoryMarshal.GetArrayDataReference(rows.Values),
            ref MemoryMarshal.GetReference(v), rows.Offsets[r], rows.Offsets[r + 1]);

    /// <summary>
    /// Adds the upper triangle of Σw·ℓ''·x̃x̃ᵀ (x̃ = [x, 1]) over rows [from, to) to <paramref name="sums"/> (stride × stride,
    /// row-major): one sparse rank-1 update per row over the pairs of its non-zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void HessianUpper<TLoss>(SparseRows rows, int from, int to, ReadOnlySpan<float> labels, ReadOnlySpan<float> weights,
        ReadOnlySpan<double> parameters, int stride, Span<double> sums) where TLoss : IGlmLoss
    {
        int d = rows.FeatureCount;
        double bias = parameters[d];
        var offsets = rows.Offsets;
        var indices = rows.Indices;
        var values = rows.Values;
        for (int r = from; r < to; r++)
        {
            double w = weights.IsEmpty ? 1.0 : weights[r];
            int start = offsets[r], end = offsets[r + 1];
            double c = TLoss.WeightedCurvature(w, labels[r], bias + RowDot(rows, r, parameters));
            if (c == 0) continue;
            for (int a = start; a < end; a++)
            {
                double ca = c * values[a];
                var row = sums.Slice(indices[a] * stride);
                for (int b = a; b < end; b++) row[indices[b]] += ca * values[b];
                row[d] += ca;
            }
            sums[d * stride + d] += c;
        }
    }

    /// <summary>Adds Σw·(x̃ᵀv)·x̃ over rows [from, to) to <paramref name="result"/> (length d + 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GramProduct(SparseRows rows, int from, int to, ReadOnlySpan<float> weights, ReadOnlySpan<double> v, Span<double> result)
    {
        int d = rows.FeatureCount;
        var offsets = rows.Offsets;
        var indices = rows.Indices;
        var values = rows.Values;
        double lastSum = 0;
        for (int r = from; r < to; r++)
        {
            double w = weights.IsEmpty ? 1.0 : weights[r];
            int start = offsets[r], end = offsets[r + 1];
            double coefficient = w * (v[d] + RowDot(rows, r, v));
            for (int k = start; k < end; k++) result[indices[k]] += coefficient * values[k];
            lastSum += coefficient;
        }
        result[d] += lastSum;
    }
}
