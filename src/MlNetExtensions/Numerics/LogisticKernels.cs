using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MlNetExtensions.Numerics;

/// <summary>What one pass of <see cref="LogisticKernels.LossAndGradient"/> over a range of rows adds up.</summary>
/// <param name="Loss">Σw·BCE over the rows (BCE in nats, computed stably as softplus(z) − y·z).</param>
/// <param name="MinMargin">min over rows with w &gt; 0 of (2y − 1)·z; &gt; 0 means every row is strictly on its side.</param>
/// <param name="MaxAbsScore">max over rows with w &gt; 0 of |z|.</param>
internal readonly record struct LogisticPassResult(double Loss, double MinMargin, double MaxAbsScore);

/// <summary>
/// The row passes of logistic regression on dense row-major float features with double parameters: the loss and
/// gradient pass (one dot product and one scaled add per row), the Hessian pass (a symmetric rank-k update of
/// √(w·p(1−p))·[x, 1] rows through <see cref="SyrkKernel"/>), and the Gram product Σw(x̃ᵀv)x̃ used to bound the
/// curvature. The parameter vector is [θ₀ … θ_{d−1}, b]: the bias last.
/// </summary>
/// <remarks>
/// Features stay in float (half the memory traffic); each 8-float load is widened to two double vectors so that all
/// arithmetic and accumulation is in double and the gradient is accurate far below any useful tolerance.
/// </remarks>
internal static class LogisticKernels
{
    /// <summary>Rows per Hessian block (the block of scaled rows stays in L2 while every SYRK tile streams it).</summary>
    public const int HessianBlockRows = 32;

    /// <summary>log(1 + eᶻ) without overflow or loss of digits at either tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Softplus(double z) => z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));

    /// <summary>σ(z) = 1/(1 + e⁻ᶻ), exact at both tails.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sigmoid(double z)
    {
        if (z >= 0) return 1 / (1 + Math.Exp(-z));
        double e = Math.Exp(z);
        return e / (1 + e);
    }

    /// <summary>
    /// Over the rows of <paramref name="features"/> (rows × d): adds Σw(p − y)·[x, 1] to <paramref name="gradient"/>
    /// (length d + 1) and returns Σw·BCE and the smallest margin. <paramref name="weights"/> empty means all ones.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static LogisticPassResult LossAndGradient(ReadOnlySpan<float> features, ReadOnlySpan<float> labels,
        ReadOnlySpan<float> weights, int d, ReadOnlySpan<double> parameters, Span<double> gradient)
    {
        int rows = labels.Length;
        var theta = parameters[..d];
        double bias = parameters[d];
        var g = gradient[..d];
        double loss = 0, biasGradient = 0, minMargin = double.PositiveInfinity, maxAbsScore = 0;
        for (int r = 0; r < rows; r++)
        {
            double w = weights.IsEmpty ? 1.0 : weights[r];
            if (w == 0) continue;
            var x = features.Slice(r * d, d);
            double z = VectorMath.Dot(x, theta) + bias;
            double y = labels[r];
            loss += w * (Softplus(z) - y * z);
            double residual = w * (Sigmoid(z) - y);
            biasGradient += residual;
            VectorMath.AddScaled(g, residual, x);
            double margin = y > 0.5 ? z : -z;
            if (margin < minMargin) minMargin = margin;
            if (Math.Abs(z) > maxAbsScore) maxAbsScore = Math.Abs(z);
        }
        gradient[d] += biasGradient;
        return new LogisticPassResult(loss, minMargin, maxAbsScore);
    }

    /// <summary>
    /// Adds the upper triangle of Σw·p(1−p)·x̃x̃ᵀ (x̃ = [x, 1]) to <paramref name="sums"/> (stride × stride, row-major,
    /// stride = <see cref="SyrkKernel.StrideFor"/>(d + 1)). <paramref name="scratch"/> holds at least <see cref="HessianBlockRows"/> × stride doubles, zero beyond column d.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void HessianUpper(ReadOnlySpan<float> features, ReadOnlySpan<float> weights, int rows, int d,
        ReadOnlySpan<double> parameters, int stride, Span<double> scratch, Span<double> sums)
    {
        var theta = parameters[..d];
        double bias = parameters[d];
        for (int start = 0; start < rows; start += HessianBlockRows)
        {
            int count = Math.Min(HessianBlockRows, rows - start);
            for (int r = 0; r < count; r++)
            {
                var x = features.Slice((start + r) * d, d);
                double w = weights.IsEmpty ? 1.0 : weights[start + r];
                double p = Sigmoid(VectorMath.Dot(x, theta) + bias);
                double s = Math.Sqrt(w * p * (1 - p));
                var target = scratch.Slice(r * stride, stride);
                VectorMath.ScaleToDouble(x, s, target);
                target[d] = s;
                // Columns beyond d stay zero: the caller hands in a zeroed scratch and they are never written.
            }
            SyrkKernel.UpperRankKUpdate(scratch, count, stride, d + 1, sums);
        }
    }

    /// <summary>Adds Σw·(x̃ᵀv)·x̃ to <paramref name="result"/> (length d + 1): the Gram matrix (1 column appended) times v.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void GramProduct(ReadOnlySpan<float> features, ReadOnlySpan<float> weights, int rows, int d,
        ReadOnlySpan<double> v, Span<double> result)
    {
        var theta = v[..d];
        double last = v[d];
        var g = result[..d];
        double lastSum = 0;
        for (int r = 0; r < rows; r++)
        {
            double w = weights.IsEmpty ? 1.0 : weights[r];
            var x = features.Slice(r * d, d);
            double coefficient = w * (VectorMath.Dot(x, theta) + last);
            VectorMath.AddScaled(g, coefficient, x);
            lastSum += coefficient;
        }
        result[d] += lastSum;
    }
}
