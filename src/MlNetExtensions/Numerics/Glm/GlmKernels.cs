using System.Runtime.CompilerServices;

namespace MlNetExtensions.Numerics.Glm;

/// <summary>What one loss-and-gradient pass over a range of rows adds up.</summary>
/// <param name="Loss">Σw·ℓ over the rows.</param>
/// <param name="MinMargin">min over rows with w &gt; 0 of (2y − 1)·z when the loss tracks margins (&gt; 0: every row strictly on
/// its side), else +∞.</param>
/// <param name="MaxAbsScore">max over rows with w &gt; 0 of |z| when the loss tracks margins, else 0.</param>
internal readonly record struct GlmPassResult(double Loss, double MinMargin, double MaxAbsScore);

/// <summary>
/// What a loss-and-gradient pass adds up row by row, whatever the layout of the rows: Σw·ℓ, the bias gradient Σw·ℓ', and the
/// margins. The dense and sparse kernels differ only in how they compute z = θᵀx + b and add the residual times x.
/// </summary>
internal struct GlmPassSums<TLoss> where TLoss : IGlmLoss
{
    private double _loss, _biasGradient, _minMargin, _maxAbsScore;

    public GlmPassSums() => _minMargin = double.PositiveInfinity;

    /// <summary>Adds a row of weight <paramref name="w"/>, label <paramref name="y"/> and score <paramref name="z"/>; returns its
    /// weighted residual w·ℓ'(y, z), which the caller adds times x to the gradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Add(double w, double y, double z)
    {
        _loss += w * TLoss.LossAndDerivative(y, z, out double derivative);
        double residual = w * derivative;
        _biasGradient += residual;
        if (TLoss.TracksMargins)
        {
            double margin = y > 0.5 ? z : -z;
            if (margin < _minMargin) _minMargin = margin;
            if (Math.Abs(z) > _maxAbsScore) _maxAbsScore = Math.Abs(z);
        }
        return residual;
    }

    /// <summary>Adds the bias gradient to <paramref name="gradient"/>[d] and returns the sums.</summary>
    public readonly GlmPassResult Finish(Span<double> gradient, int d)
    {
        gradient[d] += _biasGradient;
        return new GlmPassResult(_loss, _minMargin, _maxAbsScore);
    }
}

/// <summary>
/// The row passes of a generalised linear model over dense row-major float features with double parameters
/// [θ₀ … θ_{d−1}, b] (bias last): loss and gradient (one dot product and one scaled add per row), the Hessian (a
/// symmetric rank-k update of √(w·ℓ'')·[x, 1] rows through <see cref="SyrkKernel"/>), and the Gram product Σw(x̃ᵀv)x̃.
/// Generic over the loss, so that each loss gets its own compiled loop with the loss inlined.
/// </summary>
/// <remarks>
/// Features stay in float (half the memory traffic); each 8-float load is widened to two double vectors so that all
/// arithmetic and accumulation is in double and the gradient is accurate far below any useful tolerance.
/// </remarks>
internal static class GlmKernels
{
    /// <summary>Rows per Hessian block (the block of scaled rows stays in L2 while every SYRK tile streams it).</summary>
    public const int HessianBlockRows = 32;

    /// <summary>
    /// Over the rows of <paramref name="features"/> (rows × d): adds Σw·ℓ'·[x, 1] to <paramref name="gradient"/>
    /// (length d + 1) and returns Σw·ℓ (and the margins, for losses that track them). <paramref name="weights"/> empty
    /// means all ones.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static GlmPassResult LossAndGradient<TLoss>(ReadOnlySpan<float> features, ReadOnlySpan<float> labels,
        ReadOnlySpan<float> weights, int d, ReadOnlySpan<double> parameters, Span<double> gradient) where TLoss : IGlmLoss
    {
        int rows = labels.Length;
        var theta = parameters[..d];
        double bias = parameters[d];
        var g = gradient[..d];
        var sums = new GlmPassSums<TLoss>();
        for (int r = 0; r < rows; r++)
        {
            double w = weights.IsEmpty ? 1.0 : weights[r];
            if (w == 0) continue;
            var x = features.Slice(r * d, d);
            double residual = sums.Add(w, labels[r], VectorMath.Dot(x, theta) + bias);
            VectorMath.AddScaled(g, residual, x);
        }
        return sums.Finish(gradient, d);
    }

    /// <summary>
    /// Adds the upper triangle of Σw·ℓ''·x̃x̃ᵀ (x̃ = [x, 1]) to <paramref name="sums"/> (stride × stride, row-major,
    /// stride = <see cref="SyrkKernel.StrideFor"/>(d + 1)). <paramref name="scratch"/> holds at least
    /// <see cref="HessianBlockRows"/> × stride doubles, zero beyond column d.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void HessianUpper<TLoss>(ReadOnlySpan<float> features, ReadOnlySpan<float> labels, ReadOnlySpan<float> weights,
        int rows, int d, ReadOnlySpan<double> parameters, int stride, Span<double> scratch, Span<double> sums) where TLoss : IGlmLoss
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
                double s = Math.Sqrt(TLoss.WeightedCurvature(w, labels[start + r], VectorMath.Dot(x, theta) + bias));
                var target = scratch.Slice(r * stride, stride);
                VectorMath.ScaleToDouble(x, s, target);
                target[d] = s;
                // Columns beyond d stay zero: the caller hands in a zeroed scratch and they are never written.
            }
            SyrkKernel.UpperRankKUpdate(scratch, count, stride, d + 1, sums);
        }
    }

    /// <summary>Adds Σw·(x̃ᵀv)·x̃ to <paramref name="result"/> (length d + 1): the Gram matrix (1 column appended) times v.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
