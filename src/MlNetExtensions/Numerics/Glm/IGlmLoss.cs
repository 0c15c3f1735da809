using System.Runtime.CompilerServices;

namespace MlNetExtensions.Numerics.Glm;

/// <summary>
/// The per-row loss of a generalised linear model as a function of the linear score z = θᵀx + b: its value and its first two
/// derivatives in z. Implemented by structs, so that the row passes of <see cref="GlmKernels"/> and
/// <see cref="GlmObjective{TLoss}"/>, which are generic over it, are compiled once per loss with the calls inlined.
/// </summary>
/// <remarks>A loss here is convex in z (curvature ≥ 0), as the negative log-likelihood of a GLM with its canonical link is.</remarks>
internal interface IGlmLoss
{
    /// <summary>
    /// ℓ(y, z) in nats, and in <paramref name="derivative"/> ∂ℓ/∂z (the row's residual, which the gradient sums times
    /// w·[x, 1]): together, because both need the same exponential.
    /// </summary>
    static abstract double LossAndDerivative(double y, double z, out double derivative);

    /// <summary>w·∂²ℓ/∂z² ≥ 0: the row's weight in the Hessian Σ w·ℓ''·x̃x̃ᵀ.</summary>
    static abstract double WeightedCurvature(double w, double y, double z);

    /// <summary>sup over z of ∂²ℓ/∂z², or +∞ when unbounded (then gradient descent has no safe constant step).</summary>
    static abstract double MaximumCurvature { get; }

    /// <summary>
    /// Whether passes track the signed margins (2y − 1)·z and |z| (binary labels: the certificate of linear separation and the
    /// sign of saturated probabilities). Constant per loss, so the JIT removes the tracking where it is false.
    /// </summary>
    static abstract bool TracksMargins { get; }
}

/// <summary>Bernoulli negative log-likelihood with the logit link: ℓ = log(1 + eᶻ) − y·z, ℓ' = σ(z) − y, ℓ'' = σ(z)(1 − σ(z)).</summary>
internal readonly struct LogisticLoss : IGlmLoss
{
    /// <remarks>
    /// With e = exp(−|z|): log(1 + exp(z)) = max(z, 0) + log(1 + e) and σ(z) = 1/(1 + e) for z ≥ 0, e/(1 + e) below: one
    /// exponential for both, and the same values, to the bit, as the separate softplus (z + log(1 + e⁻ᶻ) above 0, log(1 + eᶻ)
    /// below) and <see cref="Sigmoid"/> give.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double LossAndDerivative(double y, double z, out double derivative)
    {
        double e = Math.Exp(-Math.Abs(z));
        derivative = (z >= 0 ? 1 / (1 + e) : e / (1 + e)) - y;
        return (z > 0 ? z + Math.Log(1 + e) : Math.Log(1 + e)) - y * z;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double WeightedCurvature(double w, double y, double z)
    {
        double p = Sigmoid(z);
        return w * p * (1 - p);
    }

    public static double MaximumCurvature => 0.25;

    public static bool TracksMargins => true;

    /// <summary>σ(z) = 1/(1 + e⁻ᶻ), exact at both tails.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sigmoid(double z)
    {
        if (z >= 0) return 1 / (1 + Math.Exp(-z));
        double e = Math.Exp(z);
        return e / (1 + e);
    }
}

/// <summary>
/// Poisson negative log-likelihood with the log link, up to the constant log(y!): ℓ = eᶻ − y·z, ℓ' = eᶻ − y, ℓ'' = eᶻ
/// (the mean μ = eᶻ). Unbounded curvature: optimised by Newton or L-BFGS, never by constant-step gradient descent.
/// </summary>
internal readonly struct PoissonLoss : IGlmLoss
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double LossAndDerivative(double y, double z, out double derivative)
    {
        double mean = Math.Exp(z);
        derivative = mean - y;
        return mean - y * z;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double WeightedCurvature(double w, double y, double z) => w * Math.Exp(z);

    public static double MaximumCurvature => double.PositiveInfinity;

    public static bool TracksMargins => false;
}

/// <summary>
/// <typeparamref name="TLoss"/> with every row's curvature replaced by the loss's maximum: its Hessian at any point
/// bounds the true Hessian everywhere (used for the gradient-descent step bound).
/// </summary>
internal readonly struct MaximumCurvatureOf<TLoss> : IGlmLoss where TLoss : IGlmLoss
{
    public static double LossAndDerivative(double y, double z, out double derivative) => TLoss.LossAndDerivative(y, z, out derivative);
    public static double WeightedCurvature(double w, double y, double z) => w * TLoss.MaximumCurvature;
    public static double MaximumCurvature => TLoss.MaximumCurvature;
    public static bool TracksMargins => false;
}
